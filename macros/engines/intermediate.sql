{#- Engine forms used by the intermediate models (models/intermediate/). -#}

{#- A double `expression` as decimal(precision, scale), rounded as DuckDB casts a double: the value
    times 10^scale, rounded half away from zero. Spark's own cast rounds the double's shortest
    decimal text instead (8 orders worth 539.81 give 67.47625 as text, 67.4763 on Spark, while the
    double is 67.47624999… and DuckDB gives 67.4762); decimal sums and rank ties then differ. The
    Spark form rounds the scaled double (Spark's `round` of a double is exact for this) and scales
    back in decimal arithmetic: |expression| × 10^scale must have at most min(precision, 37 - scale)
    digits, else the cast fails (ANSI mode) rather than giving a wrong value. -#}
{% macro double_to_decimal(expression, precision, scale) -%}
    {{ return(adapter.dispatch('double_to_decimal', 'customer_intel')(expression, precision, scale)) }}
{%- endmacro %}

{% macro default__double_to_decimal(expression, precision, scale) -%}
    cast({{ expression }} as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{% macro spark__double_to_decimal(expression, precision, scale) -%}
    {%- set scale = scale | int -%}
    {%- if scale == 0 -%}
        cast(round({{ expression }}) as decimal({{ precision }}, 0))
    {%- else -%}
        {%- set integer_precision = [precision | int, 37 - scale] | min -%}
        cast(
            cast(round(({{ expression }}) * 1e{{ scale }}) as decimal({{ integer_precision }}, 0))
            * 0.{{ '0' * (scale - 1) }}1
            as decimal({{ precision }}, {{ scale }})
        )
    {%- endif -%}
{%- endmacro %}
