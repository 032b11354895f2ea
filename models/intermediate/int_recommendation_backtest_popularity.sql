-- Item popularity as of the backtest cutoff (as_of_date - recommendation_backtest_days): the
-- fill of the backtested recommendations and the popularity baseline; the cutoff snapshot of
-- int_item_popularity_snapshots (the same SQL as item_popularity).

with

cutoff_popularity as (
    {{ rows_at_snapshot(
        ref('int_item_popularity_snapshots'),
        ref('int_feature_snapshots'),
        'recommendation_backtest',
        drop_date=true,
    ) }}
)

select * from cutoff_popularity
