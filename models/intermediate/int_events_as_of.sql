-- Clean events up to the end of the analysis date (var as_of_date, default the latest clean
-- event date). Every model downstream of the clean event store reads events through this model,
-- so the whole warehouse can be replayed as of any past date.
{{ config(materialized='view') }}

with

clean_events as (
    select * from {{ ref('int_events_clean') }}
),

as_of as (
    select as_of_date from {{ ref('int_analysis_date') }}
),

events_as_of as (
    select
        clean_events.*,
        as_of.as_of_date
    from clean_events
    cross join as_of
    where clean_events.event_date <= as_of.as_of_date
)

select * from events_as_of
