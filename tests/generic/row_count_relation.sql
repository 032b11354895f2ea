{#- Compares the row count of `model` (filter it with the test's own `where` config) with that
    of `compare_model` (optionally filtered by `compare_where`) using `operator` (=, <=, <, >=,
    >, !=); fails with one row when the relation does not hold. -#}
{% test row_count_relation(model, compare_model, operator='=', compare_where=none) %}
{%- if operator not in ['=', '<=', '<', '>=', '>', '!='] -%}
    {{ exceptions.raise_compiler_error("row_count_relation: operator must be one of = <= < >= > !=, got " ~ operator) }}
{%- endif -%}
with

model_rows as (
    select count(*) as row_count from {{ model }}
),

compare_rows as (
    select count(*) as row_count from {{ compare_model }}
    {% if compare_where %}where {{ compare_where }}{% endif %}
)

select
    model_rows.row_count as model_row_count,
    compare_rows.row_count as compare_row_count
from model_rows
cross join compare_rows
where not (model_rows.row_count {{ operator }} compare_rows.row_count)
{% endtest %}
