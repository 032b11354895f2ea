-- Item popularity as of the backtest cutoff (as_of_date - recommendation_backtest_days): the
-- fill of the backtested recommendations and the popularity baseline; the cutoff snapshot of
-- int_item_popularity_snapshots (the same SQL as item_popularity).

with

feature_snapshots as (
    select * from {{ ref('int_feature_snapshots') }}
    where snapshot_role = 'recommendation_backtest'
),

popularity_snapshots as (
    select * from {{ ref('int_item_popularity_snapshots') }}
),

cutoff_popularity as (
    select popularity_snapshots.* exclude (popularity_snapshots.snapshot_date)
    from popularity_snapshots
    inner join feature_snapshots on popularity_snapshots.snapshot_date = feature_snapshots.snapshot_date
)

select * from cutoff_popularity
