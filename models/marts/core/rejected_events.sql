-- The quarantine: every raw event row that did not become a clean event, with its original
-- values and the reason (duplicates included, with a pointer to the row kept instead).

with

classified as (
    select * from {{ ref('int_events_classified') }}
),

quarantined as (
    select
        source_file,
        source_row_number,
        source_line_number,
        outcome,
        reject_reason,
        reject_detail,
        duplicate_of_source_file,
        duplicate_of_source_row_number,
        event_id,
        user_key,
        event_type,
        item_id,
        order_id,
        channel_raw as channel,
        quantity_raw,
        unit_price_raw,
        event_at_raw,
        revenue
    from classified
    where outcome in ('rejected', 'duplicate')
)

-- a stable physical order: identical inputs give identical tables
select * from quarantined
order by source_file, source_row_number, source_line_number
