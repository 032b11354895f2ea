{#- Every column of a relation but some: DuckDB `* exclude (...)`, Spark `* except (...)`. -#}
{% macro star_except(qualifier, columns) -%}
    {{ return(adapter.dispatch('star_except', 'customer_intel')(qualifier, columns)) }}
{%- endmacro %}

{% macro default__star_except(qualifier, columns) -%}
    {{ qualifier ~ '.' if qualifier }}* exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__star_except(qualifier, columns) -%}
    {{ qualifier ~ '.' if qualifier }}* except ({{ columns | join(', ') }})
{%- endmacro %}
