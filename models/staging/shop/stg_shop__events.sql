with

source as (
    select * from {{ source('shop', 'events') }}
),

user_keys as (
    -- the keying function ran once per distinct person in the restricted key map
    select * from {{ ref('stg_shop__user_key_map') }}
),

renamed as (
    select
        _source_file as source_file,
        _source_row_number as source_row_number,
        {{ clean_text('event_id') }} as event_id,
        {{ clean_text('user_id') }} as user_id,
        length({{ clean_text('user_id') }}) as user_id_length,
        {{ clean_text('event_type') }} as event_type,
        {{ clean_text('item_id') }} as item_id,
        {{ clean_text('order_id') }} as order_id,
        {{ clean_text('channel') }} as channel,
        {{ clean_text('quantity') }} as quantity_raw,
        {{ clean_text('unit_price') }} as unit_price_raw,
        {{ clean_text('event_at') }} as event_at_raw,
        {{ parse_whole_number('quantity') }} as quantity,
        {{ parse_decimal('unit_price') }} as unit_price,
        {{ parse_timestamp('event_at') }} as event_at
    from source
),

pseudonymized as (
    select
        {{ star_except('renamed', ['user_id']) }},
        user_keys.user_key
    from renamed
    left join user_keys on renamed.user_id = user_keys.user_id
)

select * from pseudonymized
