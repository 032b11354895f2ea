{#- Engine forms the scoring models (models/scoring) and their macros need. -#}

{#- sum(`expression`) added in the order of `order_by` (SQL order-by text), so that a float sum
    is the same in every run. DuckDB has ordered aggregates; Spark has none and sums in its own
    order (the difference is in the last bits of a double). -#}
{% macro ordered_sum(expression, order_by) -%}
    {{ return(adapter.dispatch('ordered_sum', 'customer_intel')(expression, order_by)) }}
{%- endmacro %}

{% macro default__ordered_sum(expression, order_by) -%}
    sum({{ expression }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_sum(expression, order_by) -%}
    sum({{ expression }})
{%- endmacro %}


{#- avg(`expression`) added in the order of `order_by`, as ordered_sum. -#}
{% macro ordered_avg(expression, order_by) -%}
    {{ return(adapter.dispatch('ordered_avg', 'customer_intel')(expression, order_by)) }}
{%- endmacro %}

{% macro default__ordered_avg(expression, order_by) -%}
    avg({{ expression }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_avg(expression, order_by) -%}
    avg({{ expression }})
{%- endmacro %}


{#- The non-NULL text values of `expression` joined by `separator` (a plain literal without
    quotes) in ascending order of the `order_keys` (a list of expressions, none NULL), over the
    rows where `condition` holds (SQL text, optional); NULL when there is none. DuckDB:
    string_agg with order by; Spark: the values collected with their keys, sorted, joined. -#}
{% macro ordered_string_agg(expression, separator, order_keys, condition=none) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'customer_intel')(expression, separator, order_keys, condition)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(expression, separator, order_keys, condition) -%}
    string_agg({{ expression }}, '{{ separator }}' order by {{ order_keys | join(', ') }})
    {%- if condition is not none %} filter (where {{ condition }}){% endif %}
{%- endmacro %}

{% macro spark__ordered_string_agg(expression, separator, order_keys, condition) -%}
    {%- set filter_clause = ' filter (where ' ~ condition ~ ')' if condition is not none else '' -%}
    case
        when count({{ expression }}){{ filter_clause }} > 0
            then array_join(
                transform(
                    array_sort(collect_list(named_struct(
                        {%- for key in order_keys %}
                        'key_{{ loop.index }}', {{ key }},
                        {%- endfor %}
                        'value', cast({{ expression }} as string)
                    )){{ filter_clause }}),
                    entry -> entry.value
                ),
                '{{ separator }}'
            )
    end
{%- endmacro %}


{#- An integer as text with a comma between thousands (1,234,567). -#}
{% macro thousands_separated(expression) -%}
    {{ return(adapter.dispatch('thousands_separated', 'customer_intel')(expression)) }}
{%- endmacro %}

{% macro default__thousands_separated(expression) -%}
    format('{:,}', {{ expression }})
{%- endmacro %}

{% macro spark__thousands_separated(expression) -%}
    format_number({{ expression }}, 0)
{%- endmacro %}


{#- A select-list expression that makes one row per BIGINT start, start + 1, ..., stop - 1
    (none when stop <= start), as DuckDB's unnest(range(start, stop)); Spark explodes a
    sequence. -#}
{% macro unnest_range(start, stop) -%}
    {{ return(adapter.dispatch('unnest_range', 'customer_intel')(start, stop)) }}
{%- endmacro %}

{% macro default__unnest_range(start, stop) -%}
    unnest(range({{ start }}, {{ stop }}))
{%- endmacro %}

{% macro spark__unnest_range(start, stop) -%}
    explode(
        case
            when ({{ stop }}) > ({{ start }})
                then sequence(cast({{ start }} as bigint), cast({{ stop }} as bigint) - 1)
            else cast(array() as array<bigint>)
        end
    )
{%- endmacro %}


{#- ln |Gamma(x)| of a double (DuckDB's lgamma). Spark has no log-gamma function: it calls
    Apache Commons Math's Gamma.logGamma (a jar of every Spark distribution) through reflect,
    for x <= 0 by the reflection formula ln |Gamma(x)| = ln(pi / |sin(pi x)|) - ln Gamma(1 - x). -#}
{% macro log_abs_gamma(x) -%}
    {{ return(adapter.dispatch('log_abs_gamma', 'customer_intel')(x)) }}
{%- endmacro %}

{% macro default__log_abs_gamma(x) -%}
    lgamma({{ x }})
{%- endmacro %}

{% macro spark__log_abs_gamma(x) -%}
    case
        when ({{ x }}) > 0
            then cast(reflect(
                'org.apache.commons.math3.special.Gamma', 'logGamma', cast({{ x }} as double)
            ) as double)
        else
            ln(pi()) - ln(abs(sin(pi() * ({{ x }}))))
            - cast(reflect(
                'org.apache.commons.math3.special.Gamma', 'logGamma', cast(1 - ({{ x }}) as double)
            ) as double)
    end
{%- endmacro %}
