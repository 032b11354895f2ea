-- The clean event stream as published: the incremental store int_events_clean, one row per
-- event_id, in a stable physical order (identical inputs give identical tables).

with

events_clean as (
    select * from {{ ref('int_events_clean') }}
)

select * from events_clean
order by event_at, event_id
