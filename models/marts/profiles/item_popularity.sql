-- Popularity of every catalog item (and any item seen in events) in the lookback window ending
-- on as_of_date: the current snapshot of int_item_popularity_snapshots (ranked by distinct
-- buyers, then net revenue, then item_id, overall and within the category).

with

feature_snapshots as (
    select * from {{ ref('int_feature_snapshots') }}
    where snapshot_role = 'current'
),

popularity_snapshots as (
    select * from {{ ref('int_item_popularity_snapshots') }}
),

current_popularity as (
    select popularity_snapshots.* exclude (popularity_snapshots.snapshot_date)
    from popularity_snapshots
    inner join feature_snapshots on popularity_snapshots.snapshot_date = feature_snapshots.snapshot_date
)

select * from current_popularity
order by popularity_rank
