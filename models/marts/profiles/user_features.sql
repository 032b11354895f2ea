-- One row per known person as of as_of_date: the `current` snapshot of
-- int_user_features_snapshots (the same SQL builds the churn model's earlier snapshots).

with

feature_snapshots as (
    select * from {{ ref('int_feature_snapshots') }}
    where snapshot_role = 'current'
),

user_features_snapshots as (
    select * from {{ ref('int_user_features_snapshots') }}
),

current_features as (
    select user_features_snapshots.*
    from user_features_snapshots
    inner join feature_snapshots on user_features_snapshots.snapshot_date = feature_snapshots.snapshot_date
)

select * from current_features
order by user_key
