-- The user-item matrix as of the backtest cutoff (as_of_date - recommendation_backtest_days):
-- what item_neighbors_backtest trains on; the cutoff snapshot of
-- int_user_item_interactions_snapshots (the same SQL as user_item_interactions).

with

feature_snapshots as (
    select * from {{ ref('int_feature_snapshots') }}
    where snapshot_role = 'recommendation_backtest'
),

interactions_snapshots as (
    select * from {{ ref('int_user_item_interactions_snapshots') }}
),

cutoff_interactions as (
    select interactions_snapshots.*
    from interactions_snapshots
    inner join feature_snapshots on interactions_snapshots.as_of_date = feature_snapshots.snapshot_date
)

select * from cutoff_interactions
