{% macro churn_frequency_bucket(frequency_column) -%}
    {#- the order-count bucket of the recency + frequency churn baseline: 1, 2, 3 or 4 (4+) -#}
    least({{ frequency_column }}, {{ churn_frequency_buckets() }})
{%- endmacro %}

{% macro churn_frequency_buckets() -%}
    4
{%- endmacro %}
