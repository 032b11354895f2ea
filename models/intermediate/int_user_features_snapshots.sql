-- The user feature set at every snapshot date of int_feature_snapshots that needs it: one row
-- per snapshot date and person known by the end of that day (in the users file with
-- signed_up_at on or before it, or with any clean event up to it). For each snapshot only the
-- events on or before its date are read, so features at a past snapshot never see later
-- information; window features cover the `lookback_days` days ending on the snapshot date:
-- (snapshot - lookback, snapshot]. user_features is the `current` snapshot; the churn model's
-- train / eval / score rows are the others, so every snapshot is computed in one scan, by the
-- same SQL. Definitions are documented column by column in models/marts/profiles/_profiles__models.yml.

with

events_as_of as (
    select * from {{ ref('int_events_as_of') }}
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

snapshots as (
    select distinct
        snapshot_date,
        {{ typed_var('lookback_days') }} as lookback_days
    from feature_snapshots
    where needs_user_features
),

events as (
    -- every event up to each snapshot date: nothing after a snapshot is read for it
    select
        events_as_of.*,
        snapshots.snapshot_date,
        events_as_of.event_date > snapshots.snapshot_date - snapshots.lookback_days as is_in_window,
        snapshots.snapshot_date - events_as_of.event_date as days_before_snapshot
    from events_as_of
    inner join snapshots on events_as_of.event_date <= snapshots.snapshot_date
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
        events.snapshot_date,
        events.user_key
    from events
),

window_events as (
    select
        events.*,
        items.list_price,
        coalesce(items.category, 'unknown') as category
    from events
    left join items on events.item_id = items.item_id
    where events.is_in_window
),

history as (
    select
        snapshot_date,
        user_key,
        min(event_date) as first_event_date,
        max(event_date) filter (where event_type = 'purchase') as last_purchase_date,
        sum(revenue) as lifetime_revenue,
        count(distinct event_date) filter (where days_before_snapshot < 30) as active_days_30,
        count(distinct event_date) filter (where days_before_snapshot < 90) as active_days_90
    from events
    group by snapshot_date, user_key
),

window_totals as (
    select
        snapshot_date,
        user_key,
        count(distinct order_id) filter (where event_type = 'purchase') as frequency,
        sum(revenue) as monetary,
        coalesce(sum(revenue) filter (where event_type = 'purchase'), 0) as gross_purchases,
        sum(revenue) filter (where event_type = 'purchase' and list_price > 0) as priced_purchases,
        sum(quantity * list_price) filter (where event_type = 'purchase' and list_price > 0) as list_value,
        coalesce(-sum(revenue) filter (where event_type = 'refund'), 0) as refunded_amount,
        count(*) filter (where event_type = 'view') as views,
        count(*) filter (where event_type = 'add_to_cart') as carts,
        count(*) filter (where event_type = 'purchase') as purchase_lines,
        count(*) filter (where event_type = 'refund') as refund_lines,
        count(distinct item_id) filter (where event_type = 'purchase') as distinct_items_purchased,
        count(distinct category) filter (where event_type = 'purchase') as distinct_categories_purchased
    from window_events
    group by snapshot_date, user_key
),

user_items as (
    select
        snapshot_date,
        user_key,
        item_id,
        bool_or(event_type = 'view') as was_viewed,
        bool_or(event_type = 'add_to_cart') as was_carted,
        bool_or(event_type = 'purchase') as was_purchased
    from window_events
    group by snapshot_date, user_key, item_id
),

conversion as (
    select
        snapshot_date,
        user_key,
        count(*) filter (where was_viewed) as items_viewed,
        count(*) filter (where was_viewed and was_purchased) as items_viewed_and_purchased,
        count(*) filter (where was_carted) as items_carted,
        count(*) filter (where was_carted and was_purchased) as items_carted_and_purchased
    from user_items
    group by snapshot_date, user_key
),

category_spend as (
    select
        snapshot_date,
        user_key,
        category,
        sum(revenue) as category_revenue
    from window_events
    where event_type = 'purchase'
    group by snapshot_date, user_key, category
),

top_category as (
    select
        snapshot_date,
        user_key,
        category as top_category,
        category_revenue / sum(category_revenue) over (partition by snapshot_date, user_key) as top_category_share,
        row_number() over (
            partition by snapshot_date, user_key order by category_revenue desc, category asc
        ) as category_rank
    from category_spend
),

channel_use as (
    select
        snapshot_date,
        user_key,
        channel,
        row_number() over (partition by snapshot_date, user_key order by count(*) desc, channel) as channel_rank
    from window_events
    group by snapshot_date, user_key, channel
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
        cast(
            case
                when coalesce(window_totals.frequency, 0) > 0
                    then window_totals.gross_purchases / window_totals.frequency
                else 0
            end as decimal(18, 4)
        ) as average_order_value,
        cast(coalesce(population.snapshot_date - history.first_event_date, 0) as integer) as tenure_days,
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
                coalesce(window_totals.refunded_amount / nullif(window_totals.gross_purchases, 0), 0), 1
            ) as double
        ) as refund_rate,
        cast(
            least(greatest(coalesce(1 - window_totals.priced_purchases / nullif(window_totals.list_value, 0), 0), 0), 1)
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
