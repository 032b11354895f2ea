-- One row per item_id: the last row of the items file(s) in load order wins.

with

items as (
    select * from {{ ref('stg_shop__items') }}
    -- rows with an over-long key are rejected (int_dimension_rows_classified)
    where length(item_id) <= {{ max_id_length() }}
),

deduplicated as (
    {{ latest_in_load_order('items', 'item_id') }}
)

select * from deduplicated
