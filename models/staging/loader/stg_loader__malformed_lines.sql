with

source as (
    select * from {{ source('loader', 'malformed_lines') }}
),

renamed as (
    select
        source_table,
        source_file,
        line_number as source_line_number,
        file_unaccounted_lines,
        error_message as csv_error_message,
        lower(replace(error_type, ' ', '_')) as csv_error_type
    from source
)

select * from renamed
