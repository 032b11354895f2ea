-- The user-item matrix in long form as of as_of_date: the current snapshot of
-- int_user_item_interactions_snapshots (one row per person and item they interacted with in the
-- lookback window, implicit-feedback weight with time decay, refunds cancelling purchases).

with

current_interactions as (
    {{ rows_at_snapshot(
        ref('int_user_item_interactions_snapshots'),
        ref('int_feature_snapshots'),
        'current',
        date_column='as_of_date',
    ) }}
)

select * from current_interactions
order by user_key, item_id
