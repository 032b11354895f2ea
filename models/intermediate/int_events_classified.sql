-- Every raw event row gets exactly one outcome: kept, duplicate or rejected (with the first
-- failing check of seed reject_reasons, in its check_order).

with

events as (
    select * from {{ ref('stg_shop__events') }}
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
            when event_id is null then 'missing_event_id'
            when user_key is null then 'missing_user_id'
            when event_type is null then 'missing_event_type'
            when not is_known_event_type then 'unknown_event_type'
            when event_at_raw is null then 'missing_timestamp'
            when event_at is null then 'unparseable_timestamp'
            when event_at < timestamp '2000-01-01' then 'timestamp_before_2000'
            when event_at > {{ load_time() }} then 'timestamp_in_future'
            when requires_item and item_id is null then 'missing_item_id'
            when requires_order and order_id is null then 'missing_order_id'
            when quantity_raw is not null and quantity is null then 'invalid_quantity'
            when unit_price_raw is not null and unit_price is null then 'invalid_price'
            when requires_order and quantity is null then 'missing_quantity'
            when requires_order and quantity <= 0 then 'non_positive_quantity'
            when requires_order and unit_price is null then 'missing_price'
            when requires_order and unit_price <= 0 then 'non_positive_price'
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

classified as (
    select
        ranked.source_file,
        ranked.source_row_number,
        case
            when ranked.reject_reason is not null then 'rejected'
            when ranked.event_id_rank > 1 then 'duplicate'
            else 'kept'
        end as outcome,
        case
            when ranked.reject_reason is not null then ranked.reject_reason
            when ranked.event_id_rank > 1 then 'duplicate_event_id'
        end as reject_reason,
        case
            when ranked.reject_reason is null and ranked.event_id_rank > 1
                then ranked.winner_source_file
        end as duplicate_of_source_file,
        case
            when ranked.reject_reason is null and ranked.event_id_rank > 1
                then ranked.winner_source_row_number
        end as duplicate_of_source_row_number,
        ranked.event_id,
        ranked.user_key,
        ranked.event_type,
        ranked.event_type_normalized,
        ranked.item_id,
        ranked.order_id,
        ranked.quantity,
        ranked.unit_price,
        ranked.event_at,
        ranked.quantity_raw,
        ranked.unit_price_raw,
        ranked.event_at_raw,
        coalesce(lower(ranked.channel), 'unknown') as channel,
        ranked.channel as channel_raw,
        -- signed amount of purchase (+) and refund (-) rows whose numbers parse; 0 otherwise
        coalesce(
            cast(ranked.quantity * ranked.unit_price * ranked.revenue_sign as decimal(18, 4)), 0
        ) as revenue,
        users.user_key is not null as is_known_user,
        items.item_id is not null as is_known_item
    from ranked
    left join users on ranked.user_key = users.user_key
    left join items on ranked.item_id = items.item_id
)

select * from classified
