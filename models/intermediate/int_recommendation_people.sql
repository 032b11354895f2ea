-- The people every recommendation list is built for, numbered: one row per list snapshot and
-- person. `current` (as_of_date): every person known at the current snapshot (what
-- user_recommendations serves); `recommendation_backtest` (the cutoff): every person the
-- backtest evaluates. user_index numbers the rows (one number is one person at one snapshot),
-- so that the scoring works on integers instead of 64-character keys.

with

feature_snapshots as (
    select * from {{ ref('int_feature_snapshots') }}
),

user_feature_snapshots as (
    select * from {{ ref('int_user_features_snapshots') }}
),

backtest_relevant as (
    select * from {{ ref('int_recommendation_backtest_relevant') }}
),

list_snapshots as (
    select
        snapshot_role,
        snapshot_date
    from feature_snapshots
    where snapshot_role in ('current', 'recommendation_backtest')
),

evaluated_users as (
    select distinct user_key from backtest_relevant
),

snapshot_people as (
    select
        list_snapshots.snapshot_role,
        list_snapshots.snapshot_date,
        user_feature_snapshots.user_key
    from list_snapshots
    inner join user_feature_snapshots on list_snapshots.snapshot_date = user_feature_snapshots.snapshot_date
    where list_snapshots.snapshot_role = 'current'
    union all
    select
        list_snapshots.snapshot_role,
        list_snapshots.snapshot_date,
        evaluated_users.user_key
    from list_snapshots
    cross join evaluated_users
    where list_snapshots.snapshot_role = 'recommendation_backtest'
),

numbered as (
    select
        snapshot_role,
        snapshot_date,
        user_key,
        row_number() over (order by snapshot_role, user_key) as user_index
    from snapshot_people
)

select * from numbered
order by user_index
