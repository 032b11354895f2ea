-- The user-item matrix as of the backtest cutoff (as_of_date - recommendation_backtest_days):
-- what item_neighbors_backtest trains on; the cutoff snapshot of
-- int_user_item_interactions_snapshots (the same SQL as user_item_interactions).

with

cutoff_interactions as (
    {{ rows_at_snapshot(
        ref('int_user_item_interactions_snapshots'),
        ref('int_feature_snapshots'),
        'recommendation_backtest',
        date_column='as_of_date',
    ) }}
)

select * from cutoff_interactions
