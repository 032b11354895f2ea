{#- Pieces of the generic tests (tests/generic/) that differ between engines. -#}

{#- One value holding the columns `columns` (a list of names) of a row, NULL parts included, for
    `count(distinct ...)` over a composite key: NULLs compare equal inside it on both engines. -#}
{% macro row_value(columns) -%}
    {{ return(adapter.dispatch('row_value', 'customer_intel')(columns)) }}
{%- endmacro %}

{% macro default__row_value(columns) -%}
    row({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__row_value(columns) -%}
    struct({{ columns | join(', ') }})
{%- endmacro %}
