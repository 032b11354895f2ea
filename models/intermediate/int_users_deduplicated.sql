-- One row per person (user_key): the last row of the users file(s) in load order wins.

with

users as (
    select * from {{ ref('stg_shop__users') }}
),

deduplicated as (
    {{ latest_in_load_order('users', 'user_key') }}
)

select * from deduplicated
