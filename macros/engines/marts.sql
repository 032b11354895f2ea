{#- Engine forms the marts (models/marts) and their macros need. The ordered aggregates
    (ordered_aggregate, ordered_sum, ordered_avg, ordered_string_agg) are in scoring.sql. -#}

{#- corr(`x`, `y`) with the pairs added in the order of `order_by` (ordered_aggregate). -#}
{% macro ordered_corr(x, y, order_by) -%}
    {{ ordered_aggregate('corr', x ~ ', ' ~ y, order_by) }}
{%- endmacro %}


{#- The values of `expression` as a list in ascending order of `order_by` (one expression, never
    NULL). DuckDB: list() with order by; Spark: the values collected with their key, sorted. -#}
{% macro ordered_list(expression, order_by) -%}
    {{ return(adapter.dispatch('ordered_list', 'customer_intel')(expression, order_by)) }}
{%- endmacro %}

{% macro default__ordered_list(expression, order_by) -%}
    list({{ expression }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_list(expression, order_by) -%}
    transform(
        array_sort(collect_list(named_struct('key', {{ order_by }}, 'value', {{ expression }}))),
        entry -> entry.value
    )
{%- endmacro %}


{#- The value of `value` on the row with the smallest (`order_columns`, compared left to right),
    as DuckDB's arg_min over a row value; Spark compares a struct. -#}
{% macro min_by_columns(value, order_columns) -%}
    {{ return(adapter.dispatch('min_by_columns', 'customer_intel')(value, order_columns)) }}
{%- endmacro %}

{% macro default__min_by_columns(value, order_columns) -%}
    arg_min({{ value }}, ({{ order_columns | join(', ') }}))
{%- endmacro %}

{% macro spark__min_by_columns(value, order_columns) -%}
    min_by({{ value }}, struct({{ order_columns | join(', ') }}))
{%- endmacro %}


{#- The date `months` months after `date_expression`. DuckDB adds an interval (a TIMESTAMP:
    cast it when a DATE is needed); Spark's add_months gives a DATE. -#}
{% macro add_months(date_expression, months) -%}
    {{ return(adapter.dispatch('add_months', 'customer_intel')(date_expression, months)) }}
{%- endmacro %}

{% macro default__add_months(date_expression, months) -%}
    {{ date_expression }} + to_months({{ months }})
{%- endmacro %}

{% macro spark__add_months(date_expression, months) -%}
    add_months({{ date_expression }}, {{ months }})
{%- endmacro %}


{#- A FROM-clause item that adds one row per value `start`, `start` + `step`, ... up to and
    including `stop` (numbers, or dates with an interval step), as column `column` of `alias`,
    to the relations before it (which `start` and `stop` may reference). Write it right after
    the FROM list (before WHERE): DuckDB cross joins range() (a TIMESTAMP column for dates:
    cast it), Spark adds a lateral view of an exploded sequence (a DATE column for dates). -#}
{% macro cross_join_series(start, stop, alias, column, step=none) -%}
    {{ return(adapter.dispatch('cross_join_series', 'customer_intel')(start, stop, alias, column, step)) }}
{%- endmacro %}

{% macro default__cross_join_series(start, stop, alias, column, step) -%}
    cross join range({{ start }}, {{ stop }} + 1{{ ', ' ~ step if step is not none }}) as {{ alias }} ({{ column }})
{%- endmacro %}

{% macro spark__cross_join_series(start, stop, alias, column, step) -%}
    lateral view explode(sequence({{ start }}, {{ stop }}{{ ', ' ~ step if step is not none }})) {{ alias }} as {{ column }}
{%- endmacro %}


{#- A select of the columns of `relation` other than `key_columns`, one row per key and
    non-NULL value: the key columns, `name_column` (the column name) and `value_column` (its
    value). `source` is the relation or CTE name to read; `relation` (a ref of the same table)
    lists the columns. DuckDB: UNPIVOT on columns(* exclude ...); Spark: UNPIVOT over the
    column list read from the warehouse (both leave NULL values out). -#}
{% macro unpivot_columns(source, relation, key_columns, name_column, value_column) -%}
    {{ return(adapter.dispatch('unpivot_columns', 'customer_intel')(source, relation, key_columns, name_column, value_column)) }}
{%- endmacro %}

{% macro default__unpivot_columns(source, relation, key_columns, name_column, value_column) -%}
    unpivot {{ source }}
    on columns(* exclude ({{ key_columns | join(', ') }}))
    into name {{ name_column }} value {{ value_column }}
{%- endmacro %}

{% macro spark__unpivot_columns(source, relation, key_columns, name_column, value_column) -%}
    {%- set value_columns = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) if column.name not in key_columns -%}
            {%- do value_columns.append(column.name) -%}
        {%- endfor -%}
    {%- endif -%}
    select *
    from {{ source }}
    unpivot (
        {{ value_column }} for {{ name_column }} in ({{ value_columns | join(', ') if value_columns else 'placeholder' }})
    )
{%- endmacro %}


{#- The mean of a DECIMAL `expression` as a DOUBLE. DuckDB's avg of a decimal is a double
    already; Spark's is a decimal rounded to a few places, so Spark averages the doubles. -#}
{% macro avg_as_double(expression) -%}
    {{ return(adapter.dispatch('avg_as_double', 'customer_intel')(expression)) }}
{%- endmacro %}

{% macro default__avg_as_double(expression) -%}
    avg({{ expression }})
{%- endmacro %}

{% macro spark__avg_as_double(expression) -%}
    avg(cast({{ expression }} as double))
{%- endmacro %}
