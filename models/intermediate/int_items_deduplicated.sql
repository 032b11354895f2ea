-- One row per item_id: the last row of the items file(s) in load order wins.

with

items as (
    select * from {{ ref('stg_shop__items') }}
),

deduplicated as (
    {{ latest_in_load_order('items', 'item_id') }}
)

select * from deduplicated
