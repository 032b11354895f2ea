{#- The pseudonymous key of a person: `user_key(<raw id>)`, a DuckDB function registered by the
    dbt-duckdb plugin customer_intel.ops.dbt_plugin (lowercase hex HMAC-SHA256 of the UTF-8 id, keyed
    with DBT_ENV_SECRET_PII_SALT). The secret never appears in SQL. NULL in, NULL out. -#}
{% macro pseudonymize(raw_id_expression) -%}
    user_key({{ raw_id_expression }})
{%- endmacro %}
