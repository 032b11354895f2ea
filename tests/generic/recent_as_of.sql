{#- Fails when the latest value of the date/timestamp `column_name` is more than `max_age_days`
    days before the analysis date (the `as_of_date` of `as_of_model`, a ref given in the YAML:
    int_analysis_date in the warehouse), or when the model has no value at all. -#}
{% test recent_as_of(model, column_name, max_age_days, as_of_model) %}
with

latest as (
    select max(cast({{ column_name }} as date)) as latest_date from {{ model }}
),

analysis_date as (
    select max(as_of_date) as as_of_date from {{ as_of_model }}
)

select
    latest.latest_date,
    analysis_date.as_of_date
from latest
cross join analysis_date
where
    latest.latest_date is null
    or latest.latest_date < date_add(analysis_date.as_of_date, -{{ max_age_days | int }})
{% endtest %}
