-- Every raw row of the users and items files with one outcome: kept (the row that represents
-- its key), duplicate (its key appears again later in load order) or rejected (no key, a key
-- longer than max_id_length, or a CSV record the loader could not parse).

with

users as (
    select * from {{ ref('stg_shop__users') }}
),

items as (
    select * from {{ ref('stg_shop__items') }}
),

malformed_lines as (
    select * from {{ ref('stg_loader__malformed_lines') }}
    where source_table in ('users', 'items')
),

dimension_rows as (
    select
        'users' as source_table,
        source_file,
        source_row_number,
        user_key as row_key,
        user_id_length > {{ max_id_length() }} as is_key_too_long
    from users
    union all
    select
        'items' as source_table,
        source_file,
        source_row_number,
        item_id as row_key,
        length(item_id) > {{ max_id_length() }} as is_key_too_long
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
        cast(null as bigint) as source_line_number,
        row_key,
        case
            when row_key is null or is_key_too_long then 'rejected'
            when load_rank > 1 then 'duplicate'
            else 'kept'
        end as outcome,
        case
            when row_key is null and source_table = 'users' then 'missing_user_id'
            when row_key is null and source_table = 'items' then 'missing_item_id'
            when is_key_too_long then 'id_too_long'
            when load_rank > 1 then 'duplicate_key'
        end as reject_reason
    from ranked
),

malformed_classified as (
    select
        source_table,
        source_file,
        cast(null as bigint) as source_row_number,
        source_line_number,
        cast(null as string) as row_key,
        'rejected' as outcome,
        'malformed_csv_line' as reject_reason
    from malformed_lines
),

all_rows as (
    select * from classified
    union all
    select * from malformed_classified
)

select * from all_rows
