-- The BI-friendly view of item_neighbors: every item's top-K similar items with names and
-- categories on both sides ("people who engage with X also engage with Y").

with

neighbors as (
    select * from {{ ref('item_neighbors') }}
),

items as (
    select * from {{ ref('item_popularity') }}
),

described as (
    select
        neighbors.item_id,
        items.item_name,
        items.category,
        neighbors.neighbor_rank,
        neighbors.neighbor_item_id,
        neighbor_items.item_name as neighbor_item_name,
        neighbor_items.category as neighbor_category,
        neighbors.similarity,
        neighbors.co_users
    from neighbors
    left join items on neighbors.item_id = items.item_id
    left join items as neighbor_items on neighbors.neighbor_item_id = neighbor_items.item_id
)

select * from described
order by item_id, neighbor_rank
