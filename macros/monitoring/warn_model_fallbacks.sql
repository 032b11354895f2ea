{#- Post-hook of model_status: one dbt warning per model family that fell back, naming the
    family, the status and the cause, so that the build log says why a table is empty. -#}
{% macro warn_model_fallbacks() %}
    {%- if execute -%}
        {%- set fallbacks = run_query(
            "select model_family, model_status, status_message from " ~ this
            ~ " where model_status != 'fitted' order by model_family"
        ) -%}
        {%- for row in fallbacks.rows -%}
            {%- do exceptions.warn("model_status: " ~ row[0] ~ " is " ~ row[1] ~ ": " ~ row[2]) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{% endmacro %}
