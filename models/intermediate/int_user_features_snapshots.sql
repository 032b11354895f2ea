-- The user feature set at every snapshot date of int_feature_snapshots that needs it: one row
-- per snapshot date and person known by the end of that day (in the users file with
-- signed_up_at on or before it, or with any clean event up to it). For each snapshot only the
-- events on or before its date are read, so features at a past snapshot never see later
-- information; window features cover the `lookback_days` days ending on the snapshot date:
-- (snapshot - lookback, snapshot]. user_features is the `current` snapshot; the churn model's
-- train / eval / score rows are the others, so every snapshot is computed in one scan, by the
-- same SQL. Definitions are documented column by column in models/marts/profiles/_profiles__models.yml.
--
-- How: events are never repeated per snapshot. Each event date gets bit masks saying which
-- snapshots it belongs to (history: on or before the snapshot; window; last 30 / 90 days), the
-- events are aggregated once per person and mask combination (or per person and item, order,
-- category, channel), and only those few rows are expanded to the snapshots whose bit is set.
-- Sums are decimal (exact in any order) and distinct counts become counts of distinct keys, so
-- the values are those of a per-snapshot scan.

with

events_as_of as (
    select * from {{ ref('int_events_as_of') }}
),

dates_as_of as (
    -- a second, narrow read of the same view: events_as_of is then read once, never stored
    select event_date from {{ ref('int_events_as_of') }}
),

users as (
    select * from {{ ref('int_users_deduplicated') }}
),

items as (
    select * from {{ ref('int_items_deduplicated') }}
),

feature_snapshots as (
    select * from {{ ref('int_feature_snapshots') }}
),

snapshot_dates as (
    select distinct snapshot_date
    from feature_snapshots
    where needs_user_features
),

snapshots as (
    -- bit snapshot_bit of a mask marks this snapshot
    select
        snapshot_date,
        {{ typed_var('lookback_days') }} as lookback_days,
        cast(1 as bigint) << cast(row_number() over (order by snapshot_date) - 1 as bigint) as snapshot_bit
    from snapshot_dates
),

event_dates as (
    select distinct event_date
    from dates_as_of
),

date_masks as (
    -- which snapshots each event date counts for
    select
        event_dates.event_date,
        bit_or(snapshots.snapshot_bit) as history_mask,
        coalesce(
            bit_or(snapshots.snapshot_bit) filter (
                where event_dates.event_date > snapshots.snapshot_date - snapshots.lookback_days
            ),
            0
        ) as window_mask,
        coalesce(
            bit_or(snapshots.snapshot_bit) filter (
                where cast(snapshots.snapshot_date - event_dates.event_date as bigint) < 30
            ),
            0
        ) as days_30_mask,
        coalesce(
            bit_or(snapshots.snapshot_bit) filter (
                where cast(snapshots.snapshot_date - event_dates.event_date as bigint) < 90
            ),
            0
        ) as days_90_mask
    from event_dates
    inner join snapshots on event_dates.event_date <= snapshots.snapshot_date
    group by event_dates.event_date
),

events as (
    -- every event read once, with the masks of its date: nothing after a snapshot counts for it
    select
        events_as_of.user_key,
        events_as_of.event_type,
        events_as_of.item_id,
        events_as_of.order_id,
        events_as_of.channel,
        events_as_of.quantity,
        events_as_of.revenue,
        events_as_of.event_date,
        date_masks.history_mask,
        date_masks.window_mask,
        date_masks.days_30_mask,
        date_masks.days_90_mask,
        items.list_price,
        coalesce(items.category, 'unknown') as category
    from events_as_of
    inner join date_masks on events_as_of.event_date = date_masks.event_date
    left join items on events_as_of.item_id = items.item_id
),

user_date_classes as (
    -- per person and combination of masks (a handful per person)
    select
        user_key,
        history_mask,
        window_mask,
        days_30_mask,
        days_90_mask,
        min(event_date) as first_event_date,
        max(event_date) filter (where event_type = 'purchase') as last_purchase_date,
        sum(revenue) as revenue,
        count(distinct event_date) as active_days,
        sum(revenue) filter (where event_type = 'purchase') as purchases,
        sum(revenue) filter (where event_type = 'purchase' and list_price > 0) as priced_purchases,
        sum(quantity * list_price) filter (where event_type = 'purchase' and list_price > 0) as list_value,
        sum(revenue) filter (where event_type = 'refund') as refunds,
        count(*) filter (where event_type = 'view') as views,
        count(*) filter (where event_type = 'add_to_cart') as carts,
        count(*) filter (where event_type = 'purchase') as purchase_lines,
        count(*) filter (where event_type = 'refund') as refund_lines
    from events
    group by user_key, history_mask, window_mask, days_30_mask, days_90_mask
),

user_date_classes_at_snapshots as (
    select
        user_date_classes.*,
        snapshots.snapshot_date,
        (user_date_classes.window_mask & snapshots.snapshot_bit) != 0 as is_in_window,
        (user_date_classes.days_30_mask & snapshots.snapshot_bit) != 0 as is_in_days_30,
        (user_date_classes.days_90_mask & snapshots.snapshot_bit) != 0 as is_in_days_90
    from user_date_classes
    inner join snapshots on (user_date_classes.history_mask & snapshots.snapshot_bit) != 0
),

population as (
    select
        snapshots.snapshot_date,
        users.user_key
    from users
    inner join snapshots
        on users.signed_up_at is null or cast(users.signed_up_at as date) <= snapshots.snapshot_date
    union
    select
        snapshot_date,
        user_key
    from user_date_classes_at_snapshots
),

history as (
    select
        snapshot_date,
        user_key,
        cast(coalesce(sum(active_days) filter (where is_in_days_30), 0) as bigint) as active_days_30,
        cast(coalesce(sum(active_days) filter (where is_in_days_90), 0) as bigint) as active_days_90,
        min(first_event_date) as first_event_date,
        max(last_purchase_date) as last_purchase_date,
        sum(revenue) as lifetime_revenue
    from user_date_classes_at_snapshots
    group by snapshot_date, user_key
),

orders as (
    select
        user_key,
        order_id,
        bit_or(window_mask) as window_mask
    from events
    where event_type = 'purchase' and order_id is not null
    group by user_key, order_id
),

order_counts as (
    select
        snapshots.snapshot_date,
        orders.user_key,
        count(*) as frequency
    from orders
    inner join snapshots on (orders.window_mask & snapshots.snapshot_bit) != 0
    group by snapshots.snapshot_date, orders.user_key
),

window_sums as (
    select
        snapshot_date,
        user_key,
        cast(sum(views) as bigint) as views,
        cast(sum(carts) as bigint) as carts,
        cast(sum(purchase_lines) as bigint) as purchase_lines,
        cast(sum(refund_lines) as bigint) as refund_lines,
        sum(revenue) as monetary,
        coalesce(sum(purchases), 0) as gross_purchases,
        sum(priced_purchases) as priced_purchases,
        sum(list_value) as list_value,
        coalesce(-sum(refunds), 0) as refunded_amount
    from user_date_classes_at_snapshots
    where is_in_window
    group by snapshot_date, user_key
),

user_items as (
    -- per person and item (NULL item included): the snapshots whose window has any event,
    -- a view, a cart or a purchase of it
    select
        user_key,
        item_id,
        bit_or(window_mask) as window_mask,
        coalesce(bit_or(window_mask) filter (where event_type = 'view'), 0) as viewed_mask,
        coalesce(bit_or(window_mask) filter (where event_type = 'add_to_cart'), 0) as carted_mask,
        coalesce(bit_or(window_mask) filter (where event_type = 'purchase'), 0) as purchased_mask
    from events
    group by user_key, item_id
),

user_item_mask_counts as (
    select
        user_key,
        window_mask,
        viewed_mask,
        carted_mask,
        purchased_mask,
        count(*) as item_count,
        count(item_id) as known_item_count
    from user_items
    group by user_key, window_mask, viewed_mask, carted_mask, purchased_mask
),

user_item_flags as (
    select
        snapshots.snapshot_date,
        user_item_mask_counts.user_key,
        user_item_mask_counts.item_count,
        user_item_mask_counts.known_item_count,
        (user_item_mask_counts.viewed_mask & snapshots.snapshot_bit) != 0 as was_viewed,
        (user_item_mask_counts.carted_mask & snapshots.snapshot_bit) != 0 as was_carted,
        (user_item_mask_counts.purchased_mask & snapshots.snapshot_bit) != 0 as was_purchased
    from user_item_mask_counts
    inner join snapshots on (user_item_mask_counts.window_mask & snapshots.snapshot_bit) != 0
),

conversion as (
    select
        snapshot_date,
        user_key,
        cast(coalesce(sum(item_count) filter (where was_viewed), 0) as bigint) as items_viewed,
        cast(
            coalesce(sum(item_count) filter (where was_viewed and was_purchased), 0) as bigint
        ) as items_viewed_and_purchased,
        cast(coalesce(sum(item_count) filter (where was_carted), 0) as bigint) as items_carted,
        cast(
            coalesce(sum(item_count) filter (where was_carted and was_purchased), 0) as bigint
        ) as items_carted_and_purchased,
        cast(coalesce(sum(known_item_count) filter (where was_purchased), 0) as bigint) as distinct_items_purchased
    from user_item_flags
    group by snapshot_date, user_key
),

user_categories as (
    select
        user_key,
        category,
        bit_or(window_mask) as purchased_mask
    from events
    where event_type = 'purchase'
    group by user_key, category
),

category_counts as (
    select
        snapshots.snapshot_date,
        user_categories.user_key,
        count(*) as distinct_categories_purchased
    from user_categories
    inner join snapshots on (user_categories.purchased_mask & snapshots.snapshot_bit) != 0
    group by snapshots.snapshot_date, user_categories.user_key
),

window_totals as (
    -- one row per snapshot and person with at least one event in the window
    select
        window_sums.snapshot_date,
        window_sums.user_key,
        window_sums.monetary,
        window_sums.gross_purchases,
        window_sums.priced_purchases,
        window_sums.list_value,
        window_sums.refunded_amount,
        window_sums.views,
        window_sums.carts,
        window_sums.purchase_lines,
        window_sums.refund_lines,
        conversion.distinct_items_purchased,
        coalesce(order_counts.frequency, 0) as frequency,
        coalesce(category_counts.distinct_categories_purchased, 0) as distinct_categories_purchased
    from window_sums
    left join order_counts
        on window_sums.snapshot_date = order_counts.snapshot_date and window_sums.user_key = order_counts.user_key
    left join conversion
        on window_sums.snapshot_date = conversion.snapshot_date and window_sums.user_key = conversion.user_key
    left join category_counts
        on
            window_sums.snapshot_date = category_counts.snapshot_date
            and window_sums.user_key = category_counts.user_key
),

user_category_classes as (
    select
        user_key,
        category,
        window_mask,
        sum(revenue) as revenue
    from events
    where event_type = 'purchase'
    group by user_key, category, window_mask
),

category_spend as (
    select
        snapshots.snapshot_date,
        user_category_classes.user_key,
        user_category_classes.category,
        sum(user_category_classes.revenue) as category_revenue
    from user_category_classes
    inner join snapshots on (user_category_classes.window_mask & snapshots.snapshot_bit) != 0
    group by snapshots.snapshot_date, user_category_classes.user_key, user_category_classes.category
),

top_category as (
    select
        snapshot_date,
        user_key,
        category as top_category,
        -- no share when every purchase in the window was free (var zero_price_purchases `keep`)
        cast(category_revenue as double) / nullif(sum(category_revenue) over (partition by snapshot_date, user_key), 0)
            as top_category_share,
        row_number() over (
            partition by snapshot_date, user_key order by category_revenue desc, category asc
        ) as category_rank
    from category_spend
),

user_channel_classes as (
    select
        user_key,
        channel,
        window_mask,
        count(*) as event_count
    from events
    group by user_key, channel, window_mask
),

channel_counts as (
    select
        snapshots.snapshot_date,
        user_channel_classes.user_key,
        user_channel_classes.channel,
        sum(user_channel_classes.event_count) as event_count
    from user_channel_classes
    inner join snapshots on (user_channel_classes.window_mask & snapshots.snapshot_bit) != 0
    group by snapshots.snapshot_date, user_channel_classes.user_key, user_channel_classes.channel
),

channel_use as (
    select
        snapshot_date,
        user_key,
        channel,
        row_number() over (partition by snapshot_date, user_key order by event_count desc, channel asc) as channel_rank
    from channel_counts
),

features as (
    -- the columns in the order of the user_features contract
    select  -- noqa: ST06
        population.user_key,
        population.snapshot_date,
        users.user_key is not null as is_known_user,
        history.last_purchase_date is not null as has_purchased,
        coalesce(window_totals.frequency, 0) > 0 as is_buyer_in_window,
        cast(population.snapshot_date - history.last_purchase_date as integer) as recency_days,
        coalesce(window_totals.frequency, 0) as frequency,
        cast(coalesce(window_totals.monetary, 0) as decimal(18, 4)) as monetary,
        cast(coalesce(history.lifetime_revenue, 0) as decimal(18, 4)) as lifetime_revenue,
        {{ double_to_decimal(
            'case
                when coalesce(window_totals.frequency, 0) > 0
                    then cast(window_totals.gross_purchases as double) / window_totals.frequency
                else 0
            end',
            18, 4,
        ) }} as average_order_value,
        cast(
            coalesce(cast(population.snapshot_date - history.first_event_date as bigint), 0) as integer
        ) as tenure_days,
        cast(population.snapshot_date - cast(users.signed_up_at as date) as integer) as days_since_signup,
        coalesce(window_totals.distinct_items_purchased, 0) as distinct_items_purchased,
        coalesce(window_totals.distinct_categories_purchased, 0) as distinct_categories_purchased,
        coalesce(history.active_days_30, 0) as active_days_30,
        coalesce(history.active_days_90, 0) as active_days_90,
        coalesce(window_totals.views, 0) as views,
        coalesce(window_totals.carts, 0) as carts,
        coalesce(window_totals.purchase_lines, 0) as purchase_lines,
        coalesce(window_totals.refund_lines, 0) as refund_lines,
        coalesce(
            conversion.items_viewed_and_purchased / nullif(conversion.items_viewed, 0), 0
        ) as view_to_purchase_rate,
        coalesce(
            conversion.items_carted_and_purchased / nullif(conversion.items_carted, 0), 0
        ) as cart_to_purchase_rate,
        cast(
            least(
                coalesce(
                    cast(window_totals.refunded_amount as double) / nullif(window_totals.gross_purchases, 0), 0
                ),
                1
            ) as double
        ) as refund_rate,
        cast(
            least(
                greatest(
                    coalesce(
                        1 - cast(window_totals.priced_purchases as double) / nullif(window_totals.list_value, 0), 0
                    ),
                    0
                ),
                1
            )
            as double
        ) as discount_rate,
        coalesce(top_category.top_category, 'none') as top_category,
        cast(coalesce(top_category.top_category_share, 0) as double) as top_category_share,
        coalesce(channel_use.channel, 'none') as main_channel
    from population
    left join users on population.user_key = users.user_key
    left join history
        on population.snapshot_date = history.snapshot_date and population.user_key = history.user_key
    left join window_totals
        on population.snapshot_date = window_totals.snapshot_date and population.user_key = window_totals.user_key
    left join conversion
        on population.snapshot_date = conversion.snapshot_date and population.user_key = conversion.user_key
    left join top_category
        on
            population.snapshot_date = top_category.snapshot_date
            and population.user_key = top_category.user_key
            and top_category.category_rank = 1
    left join channel_use
        on
            population.snapshot_date = channel_use.snapshot_date
            and population.user_key = channel_use.user_key
            and channel_use.channel_rank = 1
),

with_logs as (
    select
        *,
        ln(1 + recency_days) as log1p_recency_days,
        ln(1 + frequency) as log1p_frequency,
        ln(1 + greatest(monetary, 0)) as log1p_monetary,
        ln(1 + greatest(average_order_value, 0)) as log1p_average_order_value,
        ln(1 + tenure_days) as log1p_tenure_days,
        ln(1 + active_days_30) as log1p_active_days_30,
        ln(1 + active_days_90) as log1p_active_days_90
    from features
)

select * from with_logs
order by snapshot_date, user_key
