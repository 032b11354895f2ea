{#- A model's primary key in ONE pass over it: fails when a column of `columns` is NULL or a
    combination of them repeats (NULLs compare equal), and, with `compare_model`, when the row
    count differs from compare_model's (filtered by `compare_where`). One row per broken check.
    Replaces not_null + unique / unique_combination_of_columns + row_count_relation where each
    pass is expensive (a view over millions of rows is recomputed by every test). -#}
{% test primary_key(model, columns, compare_model=none, compare_where=none) %}
{%- if columns is string or columns | length == 0 -%}
    {{ exceptions.raise_compiler_error("primary_key on " ~ model ~ ": columns must be a non-empty list") }}
{%- endif -%}
with

key_profile as (
    select
        count(*) as model_rows,
        count(*) filter (
            where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
        ) as null_key_rows,
        -- a row value is never NULL itself, so a key with a NULL part is counted too
        count(distinct {{ row_value(columns) }}) as distinct_keys
    from {{ model }}
),

{%- if compare_model is not none %}

compare_rows as (
    select count(*) as compare_rows from {{ compare_model }}
    {% if compare_where %}where {{ compare_where }}{% endif %}
),
{%- endif %}

broken as (
    select
        'null_key' as failed_check,
        model_rows,
        null_key_rows as offending_rows
    from key_profile
    where null_key_rows > 0
    union all
    select
        'duplicate_key' as failed_check,
        model_rows,
        model_rows - distinct_keys as offending_rows
    from key_profile
    where model_rows > distinct_keys
    {%- if compare_model is not none %}
    union all
    select
        'row_count' as failed_check,
        key_profile.model_rows,
        key_profile.model_rows - compare_rows.compare_rows as offending_rows
    from key_profile
    cross join compare_rows
    where key_profile.model_rows != compare_rows.compare_rows
    {%- endif %}
)

select * from broken
{% endtest %}
