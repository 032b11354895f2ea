-- Popularity of every catalog item (and any item seen in events) in the lookback window ending
-- on as_of_date, ranked by distinct buyers, then net revenue, then item_id (overall and within
-- the category). Built by the macro item_popularity_as_of.

with

popularity as (
    {{ item_popularity_as_of(as_of_date()) }}
)

select * from popularity
order by popularity_rank
