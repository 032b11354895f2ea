with

source as (
    select * from {{ source('shop', 'users') }}
),

renamed as (
    select
        _source_file as source_file,
        _source_row_number as source_row_number,
        {{ pseudonymize(clean_text('user_id')) }} as user_key,
        length({{ clean_text('user_id') }}) as user_id_length,
        {{ parse_timestamp('signed_up_at') }} as signed_up_at,
        {{ clean_text('city') }} as city,
        {{ parse_whole_number('birth_year') }} as birth_year,
        lower({{ clean_text('acquisition_channel') }}) as acquisition_channel,
        {{ clean_text('email') }} is not null as has_email,
        {{ clean_text('phone') }} is not null as has_phone
    from source
)

select * from renamed
