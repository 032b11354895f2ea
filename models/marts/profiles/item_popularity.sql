-- Popularity of every catalog item (and any item seen in events) in the lookback window ending
-- on as_of_date: the current snapshot of int_item_popularity_snapshots (ranked by distinct
-- buyers, then net revenue, then item_id, overall and within the category).

with

current_popularity as (
    {{ rows_at_snapshot(
        ref('int_item_popularity_snapshots'),
        ref('int_feature_snapshots'),
        'current',
        drop_date=true,
    ) }}
)

select * from current_popularity
order by popularity_rank
