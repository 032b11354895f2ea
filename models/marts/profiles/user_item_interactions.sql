-- The user-item matrix in long form as of as_of_date: the current snapshot of
-- int_user_item_interactions_snapshots (one row per person and item they interacted with in the
-- lookback window, implicit-feedback weight with time decay, refunds cancelling purchases).

with

feature_snapshots as (
    select * from {{ ref('int_feature_snapshots') }}
    where snapshot_role = 'current'
),

interactions_snapshots as (
    select * from {{ ref('int_user_item_interactions_snapshots') }}
),

current_interactions as (
    select interactions_snapshots.*
    from interactions_snapshots
    inner join feature_snapshots on interactions_snapshots.as_of_date = feature_snapshots.snapshot_date
)

select * from current_interactions
order by user_key, item_id
