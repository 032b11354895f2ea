with

source as (
    select * from {{ source('shop', 'items') }}
),

renamed as (
    select
        _source_file as source_file,
        _source_row_number as source_row_number,
        {{ clean_text('item_id') }} as item_id,
        {{ clean_text('item_name') }} as item_name,
        {{ clean_text('category') }} as category,
        {{ clean_text('brand') }} as brand,
        {{ parse_decimal('list_price') }} as list_price,
        coalesce(try_cast({{ clean_text('is_merchandise') }} as boolean), true) as is_merchandise
    from source
)

select * from renamed
