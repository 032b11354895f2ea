-- A/B test assignments (optional file): renamed, cast, the person pseudonymized. An absent file
-- gives an empty view with the contract's columns (register_raw_sources).

with

source as (
    select * from {{ source('shop', 'experiment_assignments') }}
),

renamed as (
    select
        _source_file as source_file,
        _source_row_number as source_row_number,
        {{ clean_text('user_id') }} as user_id,
        {{ clean_text('experiment_id') }} as experiment_id,
        lower({{ clean_text('variant') }}) as variant,
        {{ parse_timestamp('assigned_at') }} as assigned_at
    from source
),

pseudonymized as (
    select
        source_file,
        source_row_number,
        {{ pseudonymize('user_id') }} as user_key,
        experiment_id,
        variant,
        assigned_at
    from renamed
)

select * from pseudonymized
