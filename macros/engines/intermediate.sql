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


{#- base ^ exponent for doubles, as the C library's `pow` (DuckDB) computes it. Spark's `pow` is
    Java's StrictMath.pow (fdlibm), one unit in the last place off the correctly rounded value
    for about one in eight exponents k / h of the decay weights (0.5 ^ (45 / 30): StrictMath
    0.35355339059327373, C 0.3535533905932738); rounded to decimal(38, 15) and summed, that
    changes interaction weights in the 15th decimal and so the order of near-tied items. The
    Spark form calls java.lang.Math.pow (HotSpot's intrinsic, within one unit too, but equal to
    the C library's result on every decay exponent of the demo build and on all but 23 of the
    48,000 exponents k / h with k < 800, h <= 60) through `java_method`. Where reflection is
    not allowed (Databricks shared clusters), plain `pow` is the fallback, with those last-bit
    differences. Spark counts `java_method` as non-deterministic: compute it in a projection,
    never inside an aggregate's argument. -#}
{% macro libm_pow(base, exponent) -%}
    {{ return(adapter.dispatch('libm_pow', 'customer_intel')(base, exponent)) }}
{%- endmacro %}

{% macro default__libm_pow(base, exponent) -%}
    pow({{ base }}, {{ exponent }})
{%- endmacro %}

{% macro spark__libm_pow(base, exponent) -%}
    {#- java_method cannot pass a NULL to a double parameter: NULL in, NULL out as `pow` -#}
    case
        when ({{ base }}) is not null and ({{ exponent }}) is not null
            then cast(
                java_method('java.lang.Math', 'pow', cast({{ base }} as double), cast({{ exponent }} as double))
                as double
            )
    end
{%- endmacro %}
