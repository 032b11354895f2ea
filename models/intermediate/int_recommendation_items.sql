-- Every item a recommendation list can read (any item in a popularity snapshot: the catalog and
-- every item seen in the windows, which holds every item of the interactions and of the item
-- neighbours), numbered in item id order so that a smaller number is a smaller id.
-- is_recommendable: catalog merchandise (a known item that is not a code such as postage); only
-- these are ever recommended.

with

popularity_snapshots as (
    select * from {{ ref('int_item_popularity_snapshots') }}
),

items as (
    select
        item_id,
        bool_or(is_known_item and is_merchandise) as is_recommendable
    from popularity_snapshots
    group by item_id
),

numbered as (
    select
        item_id,
        is_recommendable,
        row_number() over (order by item_id) as item_index
    from items
)

select * from numbered
order by item_index
