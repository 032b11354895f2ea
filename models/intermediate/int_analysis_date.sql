-- The analysis date every as-of model is computed at, as one row: the var as_of_date when set,
-- else the date of the latest clean event (NULL when there is neither, e.g. every event was
-- rejected). Models read it from here instead of repeating the rule.

{%- set as_of_literal = typed_var('as_of_date') %}

with

clean_events as (
    select * from {{ ref('int_events_clean') }}
),

latest_event as (
    select cast(max(event_at) as date) as latest_event_date
    from clean_events
),

analysis_date as (
    select
        {%- if as_of_literal is not none %}
        {{ as_of_literal }} as as_of_date,
        'var as_of_date' as as_of_source,
        {%- else %}
        latest_event_date as as_of_date,
        'latest clean event' as as_of_source,
        {%- endif %}
        latest_event_date
    from latest_event
)

select * from analysis_date
