-- raw_load_summary accounts for every raw row of each source file: one row per table whose
-- summary total differs from the raw row count.

with

summary as (
    select * from {{ ref('raw_load_summary') }}
),

raw_counts as (
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
