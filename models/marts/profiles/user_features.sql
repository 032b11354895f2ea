-- One row per known person as of as_of_date: the `current` snapshot of
-- int_user_features_snapshots (the same SQL builds the churn model's earlier snapshots).

with

current_features as (
    {{ rows_at_snapshot(
        ref('int_user_features_snapshots'),
        ref('int_feature_snapshots'),
        'current',
    ) }}
)

select * from current_features
order by user_key
