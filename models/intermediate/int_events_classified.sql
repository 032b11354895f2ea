-- Every raw event row gets exactly one outcome: kept, duplicate or rejected (with the first
-- failing check of seed reject_reasons, in its check_order). CSV records the loader could not
-- parse join as rejected rows (`malformed_csv_line`) named by file and line.

with

events as (
    select * from {{ ref('stg_shop__events') }}
),

malformed_lines as (
    select * from {{ ref('stg_loader__malformed_lines') }}
    where source_table = 'events'
),

event_types as (
    select * from {{ ref('event_types') }}
),

users as (
    select * from {{ ref('int_users_deduplicated') }}
),

items as (
    select * from {{ ref('int_items_deduplicated') }}
),

typed as (
    select
        events.*,
        lower(events.event_type) as event_type_normalized,
        event_types.event_type is not null as is_known_event_type,
        coalesce(event_types.requires_item, false) as requires_item,
        coalesce(event_types.requires_order, false) as requires_order,
        coalesce(event_types.revenue_sign, 0) as revenue_sign
    from events
    left join event_types on lower(events.event_type) = event_types.event_type
),

checked as (
    select
        *,
        case
            when
                length(event_id) > {{ max_id_length() }}
                or user_id_length > {{ max_id_length() }}
                or length(item_id) > {{ max_id_length() }}
                or length(order_id) > {{ max_id_length() }}
                or length(channel) > {{ max_id_length() }}
                then 'id_too_long'
            when event_id is null then 'missing_event_id'
            when user_key is null then 'missing_user_id'
            when event_type is null then 'missing_event_type'
            when not is_known_event_type then 'unknown_event_type'
            when event_at_raw is null then 'missing_timestamp'
            when event_at is null then 'unparseable_timestamp'
            when event_at < {{ typed_var('min_event_date') }} then 'timestamp_before_min_event_date'
            when event_at > {{ load_time() }} then 'timestamp_in_future'
            when requires_item and item_id is null then 'missing_item_id'
            when requires_order and order_id is null then 'missing_order_id'
            when quantity_raw is not null and quantity is null then 'invalid_quantity'
            when unit_price_raw is not null and unit_price is null then 'invalid_price'
            when requires_order and quantity is null then 'missing_quantity'
            when requires_order and quantity <= 0 then 'non_positive_quantity'
            when requires_order and unit_price is null then 'missing_price'
            -- a line at price 0 is quarantined unless var zero_price_purchases is `keep`
            when requires_order and unit_price {{ '<' if typed_var('zero_price_purchases') == 'keep' else '<=' }} 0
                then 'non_positive_price'
            when
                quantity is not null and unit_price is not null
                and {{ line_amount('quantity', 'unit_price') }} is null
                then 'value_out_of_range'
        end as reject_reason
    from typed
),

ranked as (
    -- among valid rows sharing an event_id, the last one in load order wins
    select
        *,
        row_number() over (
            partition by event_id, reject_reason is null
            order by source_file desc, source_row_number desc
        ) as event_id_rank,
        first_value(source_file) over (
            partition by event_id, reject_reason is null
            order by source_file desc, source_row_number desc
        ) as winner_source_file,
        first_value(source_row_number) over (
            partition by event_id, reject_reason is null
            order by source_file desc, source_row_number desc
        ) as winner_source_row_number
    from checked
),

decided as (
    select
        *,
        case
            when reject_reason is not null then 'rejected'
            when event_id_rank > 1 then 'duplicate'
            else 'kept'
        end as outcome,
        coalesce(
            reject_reason, case when event_id_rank > 1 then 'duplicate_event_id' end
        ) as final_reject_reason,
        case when reject_reason is null and event_id_rank > 1 then winner_source_file end
            as duplicate_of_source_file,
        case when reject_reason is null and event_id_rank > 1 then winner_source_row_number end
            as duplicate_of_source_row_number
    from ranked
),

classified as (
    select
        decided.source_file,
        decided.source_row_number,
        cast(null as bigint) as source_line_number,
        decided.outcome,
        decided.final_reject_reason as reject_reason,
        decided.duplicate_of_source_file,
        decided.duplicate_of_source_row_number,
        cast(null as string) as reject_detail,
        decided.event_id,
        decided.user_key,
        decided.event_type,
        decided.event_type_normalized,
        decided.item_id,
        decided.order_id,
        decided.quantity,
        decided.unit_price,
        decided.event_at,
        -- the raw text matters only for the quarantine (rejected_events): kept rows keep NULL,
        -- which costs nothing to store for the millions of them
        case when decided.outcome != 'kept' then decided.quantity_raw end as quantity_raw,
        case when decided.outcome != 'kept' then decided.unit_price_raw end as unit_price_raw,
        case when decided.outcome != 'kept' then decided.event_at_raw end as event_at_raw,
        case when decided.outcome != 'kept' then decided.channel end as channel_raw,
        coalesce(lower(decided.channel), 'unknown') as channel,
        -- signed amount of purchase (+) and refund (-) rows whose numbers parse; 0 otherwise
        coalesce(
            cast(
                {{ line_amount('decided.quantity', 'decided.unit_price') }} * decided.revenue_sign
                as decimal(18, 4)
            ),
            0
        ) as revenue,
        users.user_key is not null as is_known_user,
        items.item_id is not null as is_known_item
    from decided
    left join users on decided.user_key = users.user_key
    left join items on decided.item_id = items.item_id
),

malformed_classified as (
    select
        source_file,
        cast(null as bigint) as source_row_number,
        source_line_number,
        'rejected' as outcome,
        'malformed_csv_line' as reject_reason,
        cast(null as string) as duplicate_of_source_file,
        cast(null as bigint) as duplicate_of_source_row_number,
        csv_error_type || ': ' || csv_error_message || case
            when file_unaccounted_lines > 0
                then printf(
                    ' (%s has %d more lines than records: a quote opened in a malformed record and never '
                    || 'closed takes the lines after it into that record)',
                    source_file, file_unaccounted_lines
                )
            else ''
        end as reject_detail,
        cast(null as string) as event_id,
        cast(null as string) as user_key,
        cast(null as string) as event_type,
        cast(null as string) as event_type_normalized,
        cast(null as string) as item_id,
        cast(null as string) as order_id,
        cast(null as integer) as quantity,
        cast(null as decimal(18, 4)) as unit_price,
        cast(null as timestamp) as event_at,
        cast(null as string) as quantity_raw,
        cast(null as string) as unit_price_raw,
        cast(null as string) as event_at_raw,
        cast(null as string) as channel_raw,
        'unknown' as channel,
        cast(0 as decimal(18, 4)) as revenue,
        false as is_known_user,
        false as is_known_item
    from malformed_lines
),

all_rows as (
    select * from classified
    union all
    select * from malformed_classified
)

select * from all_rows
