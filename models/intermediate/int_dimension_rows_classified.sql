-- Every raw row of the users and items files with one outcome: kept (the row that represents
-- its key), duplicate (its key appears again later in load order) or rejected (no key).

with

users as (
    select * from {{ ref('stg_shop__users') }}
),

items as (
    select * from {{ ref('stg_shop__items') }}
),

dimension_rows as (
    select
        'users' as source_table,
        source_file,
        source_row_number,
        user_key as row_key
    from users
    union all
    select
        'items' as source_table,
        source_file,
        source_row_number,
        item_id as row_key
    from items
),

ranked as (
    select
        *,
        row_number() over (
            partition by source_table, row_key
            order by source_file desc, source_row_number desc
        ) as load_rank
    from dimension_rows
),

classified as (
    select
        source_table,
        source_file,
        source_row_number,
        row_key,
        case
            when row_key is null then 'rejected'
            when load_rank > 1 then 'duplicate'
            else 'kept'
        end as outcome,
        case
            when row_key is null and source_table = 'users' then 'missing_user_id'
            when row_key is null and source_table = 'items' then 'missing_item_id'
            when load_rank > 1 then 'duplicate_key'
        end as reject_reason
    from ranked
)

select * from classified
