-- Events with an item in the `lookback_days` window ending on each snapshot date of
-- int_feature_snapshots with `needs_item_features`: (snapshot - lookback, snapshot]. The one
-- definition of the item window that the user-item interactions (and, summed from them, item
-- popularity) are computed from (a view: nothing is stored).
{{ config(materialized='view') }}

with

events_as_of as (
    select * from {{ ref('int_events_as_of') }}
),

feature_snapshots as (
    select * from {{ ref('int_feature_snapshots') }}
),

snapshots as (
    select distinct snapshot_date
    from feature_snapshots
    where needs_item_features
),

window_events as (
    select
        events_as_of.*,
        snapshots.snapshot_date,
        cast(snapshots.snapshot_date - events_as_of.event_date as bigint) as age_days
    from events_as_of
    inner join snapshots
        on
            events_as_of.event_date <= snapshots.snapshot_date
            and events_as_of.event_date > snapshots.snapshot_date - {{ typed_var('lookback_days') }}
    where events_as_of.item_id is not null
)

select * from window_events
