-- raw_load_summary accounts for every raw row of each source file: one row per table whose
-- summary total differs from the raw row count.

with

summary as (
    select * from {{ ref('raw_load_summary') }}
),

parsed_counts as (
    select
        'events' as source_table,
        count(*) as raw_rows
    from {{ source('shop', 'events') }}
    union all
    select
        'users' as source_table,
        count(*) as raw_rows
    from {{ source('shop', 'users') }}
    union all
    select
        'items' as source_table,
        count(*) as raw_rows
    from {{ source('shop', 'items') }}
),

malformed_counts as (
    -- CSV records the loader could not parse are raw rows too
    select
        source_table,
        count(*) as malformed_rows
    from {{ source('loader', 'malformed_lines') }}
    group by source_table
),

raw_counts as (
    select
        parsed_counts.source_table,
        parsed_counts.raw_rows + coalesce(malformed_counts.malformed_rows, 0) as raw_rows
    from parsed_counts
    left join malformed_counts on parsed_counts.source_table = malformed_counts.source_table
),

summary_counts as (
    select
        source_table,
        sum(row_count) as summarised_rows
    from summary
    group by source_table
),

mismatched as (
    select
        raw_counts.source_table,
        raw_counts.raw_rows,
        coalesce(summary_counts.summarised_rows, 0) as summarised_rows
    from raw_counts
    left join summary_counts on raw_counts.source_table = summary_counts.source_table
    where raw_counts.raw_rows != coalesce(summary_counts.summarised_rows, 0)
)

select * from mismatched
