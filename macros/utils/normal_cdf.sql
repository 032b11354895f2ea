{#- Standard normal CDF Φ(x) as a portable SQL expression (no erf function needed):
    Φ(x) = 1 - erfc(x / √2) / 2, with erfc from the Chebyshev fit published in Numerical Recipes
    (W. H. Press et al., "erfcc", fractional error below 1.2e-7 everywhere). -#}
{% macro normal_cdf(x) -%}
    (1 - {{ _erfc('(' ~ x ~ ') / sqrt(2)') }} / 2)
{%- endmacro %}


{% macro _erfc(z) -%}
    (
        case when ({{ z }}) >= 0 then 1 else -1 end
        * (1 / (1 + 0.5 * abs({{ z }})))
        * exp(
            -pow({{ z }}, 2) - 1.26551223 + (1 / (1 + 0.5 * abs({{ z }}))) * (1.00002368
            + (1 / (1 + 0.5 * abs({{ z }}))) * (0.37409196 + (1 / (1 + 0.5 * abs({{ z }}))) * (0.09678418
            + (1 / (1 + 0.5 * abs({{ z }}))) * (-0.18628806 + (1 / (1 + 0.5 * abs({{ z }}))) * (0.27886807
            + (1 / (1 + 0.5 * abs({{ z }}))) * (-1.13520398 + (1 / (1 + 0.5 * abs({{ z }}))) * (1.48851587
            + (1 / (1 + 0.5 * abs({{ z }}))) * (-0.82215223 + (1 / (1 + 0.5 * abs({{ z }}))) * 0.17087277))))))))
        )
        + case when ({{ z }}) >= 0 then 0 else 2 end
    )
{%- endmacro %}
