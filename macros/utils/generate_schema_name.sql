{#- Use the configured custom schema name as-is (staging, intermediate, marts, restricted,
    reference) instead of dbt's default `<target schema>_<custom>` concatenation, so the schema
    names BI and the publish step see are stable across targets. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
