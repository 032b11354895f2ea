{{ config(schema='restricted', materialized='table') }}

-- The only relation that holds raw user ids after staging: the restricted key map used by
-- activation exports to re-identify people. Built into the `restricted` schema of the build
-- file, never published. Reads both sources that carry user ids (a union, no join).

with

users_source as (
    select * from {{ source('shop', 'users') }}
),

events_source as (
    select * from {{ source('shop', 'events') }}
),

user_ids as (
    select {{ clean_text('user_id') }} as user_id from users_source
    union
    select {{ clean_text('user_id') }} as user_id from events_source
),

keyed as (
    select
        {{ pseudonymize('user_id') }} as user_key,
        user_id
    from user_ids
    where user_id is not null
)

select * from keyed
