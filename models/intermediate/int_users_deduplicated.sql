-- One row per person (user_key): the last row of the users file(s) in load order wins.

with

users as (
    select * from {{ ref('stg_shop__users') }}
    -- rows with an over-long key are rejected (int_dimension_rows_classified)
    where user_id_length <= {{ max_id_length() }}
),

deduplicated as (
    {{ latest_in_load_order('users', 'user_key') }}
)

select * from deduplicated
