-- Every raw event row is accounted for: raw = clean + duplicates + rejected, for row counts and
-- for revenue (signed purchase/refund amounts of rows whose numbers parse). Computed from the
-- raw source independently of the classification logic. Returns a row per broken identity.

with

raw_events as (
    select * from {{ source('shop', 'events') }}
),

malformed_lines as (
    -- CSV records the loader could not parse: raw rows too
    select * from {{ source('loader', 'malformed_lines') }}
    where source_table = 'events'
),

event_types as (
    select * from {{ ref('event_types') }}
),

clean_events as (
    select * from {{ ref('clean_events') }}
),

rejected_events as (
    select * from {{ ref('rejected_events') }}
),

raw_totals as (
    select
        count(*) as row_count,
        coalesce(sum(
            coalesce(
                cast(
                    {{ line_amount(
                        parse_whole_number('raw_events.quantity'),
                        parse_decimal('raw_events.unit_price')
                    ) }}
                    * event_types.revenue_sign
                    as decimal(18, 4)
                ),
                0
            )
        ), 0) as revenue
    from raw_events
    left join event_types
        on lower({{ clean_text('raw_events.event_type') }}) = event_types.event_type
),

clean_totals as (
    select
        count(*) as row_count,
        coalesce(sum(revenue), 0) as revenue
    from clean_events
),

quarantine_totals as (
    select
        count(*) filter (where outcome = 'duplicate') as duplicate_count,
        count(*) filter (where outcome = 'rejected') as rejected_count,
        coalesce(sum(revenue), 0) as revenue
    from rejected_events
),

comparison as (
    select
        raw_totals.row_count + (select count(*) from malformed_lines) as raw_rows,
        clean_totals.row_count as clean_rows,
        quarantine_totals.duplicate_count as duplicate_rows,
        quarantine_totals.rejected_count as rejected_rows,
        raw_totals.revenue as raw_revenue,
        clean_totals.revenue + quarantine_totals.revenue as accounted_revenue
    from raw_totals
    cross join clean_totals
    cross join quarantine_totals
),

broken as (
    select
        'row_count' as broken_identity,
        *
    from comparison
    where raw_rows != clean_rows + duplicate_rows + rejected_rows
    union all
    select
        'revenue' as broken_identity,
        *
    from comparison
    where raw_revenue != accounted_revenue
)

select * from broken
