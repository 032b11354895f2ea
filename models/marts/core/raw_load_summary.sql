-- Where every raw row of the last load went: per source table, outcome and reason, the row count
-- (and, for events, the signed revenue). Sums to the raw row counts of each file.

with

events as (
    select * from {{ ref('int_events_classified') }}
),

dimension_rows as (
    select * from {{ ref('int_dimension_rows_classified') }}
),

malformed_assignment_lines as (
    -- assignment rows are classified in int_experiment_assignments; unparseable ones show here
    select * from {{ ref('stg_loader__malformed_lines') }}
    where source_table = 'experiment_assignments'
),

event_summary as (
    select
        'events' as source_table,
        outcome,
        coalesce(reject_reason, 'none') as reject_reason,
        count(*) as row_count,
        sum(revenue) as revenue
    from events
    group by outcome, reject_reason
),

dimension_summary as (
    select
        source_table,
        outcome,
        coalesce(reject_reason, 'none') as reject_reason,
        count(*) as row_count,
        cast(null as decimal(38, 4)) as revenue
    from dimension_rows
    group by source_table, outcome, reject_reason
),

assignment_summary as (
    select
        source_table,
        'rejected' as outcome,
        'malformed_csv_line' as reject_reason,
        count(*) as row_count,
        cast(null as decimal(38, 4)) as revenue
    from malformed_assignment_lines
    group by source_table
),

combined as (
    select * from event_summary
    union all
    select * from dimension_summary
    union all
    select * from assignment_summary
),

with_share as (
    select
        source_table,
        outcome,
        reject_reason,
        row_count,
        cast(revenue as decimal(38, 4)) as revenue,
        row_count / sum(row_count) over (partition by source_table) as share_of_raw_rows
    from combined
)

select * from with_share
order by source_table, outcome, reject_reason
