-- Top-N item recommendations for every known person as of as_of_date: item-CF scores from
-- item_neighbors over the person's interactions, filled from popularity (main category, then
-- overall) when item-CF has fewer than N candidates. The lists are built in
-- int_recommendation_lists (the `current` list; rules there); this mart names the items.

with

lists as (
    select * from {{ ref('int_recommendation_lists') }}
    where snapshot_role = 'current'
),

items as (
    select * from {{ ref('item_popularity') }}
),

described as (
    select
        lists.user_key,
        lists.rank,
        lists.item_id,
        items.item_name,
        items.category,
        lists.score,
        lists.source,
        lists.because_of_item_id,
        because_items.item_name as because_of_item_name
    from lists
    inner join items on lists.item_id = items.item_id
    left join items as because_items on lists.because_of_item_id = because_items.item_id
)

select * from described
order by user_key, rank
