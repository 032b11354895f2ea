-- Daily KPIs per channel and for all channels together (channel = 'all'), from the first clean
-- event day to as_of_date. A date spine crossed with every channel gives days without activity
-- as zeros, never missing rows.

with

events_as_of as (
    select
        event_id,
        event_at,
        event_date,
        user_key,
        event_type,
        order_id,
        revenue,
        as_of_date,
        coalesce(channel, 'unknown') as channel
    from {{ ref('int_events_as_of') }}
),

bounds as (
    select
        min(event_date) as first_date,
        any_value(as_of_date) as last_date
    from events_as_of
),

date_spine as (
    select cast(spine.day as date) as kpi_date
    from bounds
    {{ cross_join_series('bounds.first_date', 'bounds.last_date', 'spine', 'day', step='interval 1 day') }}
),

channels as (
    select distinct channel from events_as_of
    union
    select 'all' as channel
),

channel_user_days as (
    -- one row per day, channel and person: every later count reads these, not the events
    select
        event_date,
        channel,
        user_key,
        bool_or(event_type = 'view') as has_view,
        bool_or(event_type = 'purchase') as has_purchase,
        sum(revenue) as net_revenue,
        sum(revenue) filter (where event_type = 'purchase') as gross_revenue
    from events_as_of
    group by event_date, channel, user_key
),

user_days as (
    -- the same per person and day under 'all' (revenue is decimal: the sums are exact in any order)
    select * from channel_user_days
    union all
    select
        event_date,
        'all' as channel,
        user_key,
        bool_or(has_view) as has_view,
        bool_or(has_purchase) as has_purchase,
        sum(net_revenue) as net_revenue,
        sum(gross_revenue) as gross_revenue
    from channel_user_days
    group by event_date, user_key
),

first_events as (
    select
        user_key,
        min(event_date) as first_event_date,
        {{ min_by_columns('channel', ['event_at', 'event_id']) }} as first_channel
    from events_as_of
    group by user_key
),

new_people as (
    select
        first_event_date as kpi_date,
        first_channel as channel,
        count(*) as new_users
    from first_events
    group by first_event_date, first_channel
    union all
    select
        first_event_date as kpi_date,
        'all' as channel,
        count(*) as new_users
    from first_events
    group by first_event_date
),

daily_people as (
    select
        event_date,
        channel,
        count(*) as active_users,
        count(*) filter (where has_purchase) as buyers,
        count(*) filter (where has_view) as viewers,
        count(*) filter (where has_view and has_purchase) as viewers_who_bought,
        coalesce(sum(net_revenue), 0) as net_revenue,
        coalesce(sum(gross_revenue), 0) as gross_revenue
    from user_days
    group by event_date, channel
),

purchase_orders as (
    select distinct
        event_date,
        channel,
        order_id
    from events_as_of
    where event_type = 'purchase'
),

daily_orders as (
    select
        event_date,
        channel,
        count(order_id) as orders
    from purchase_orders
    group by event_date, channel
    union all
    select
        event_date,
        'all' as channel,
        count(distinct order_id) as orders
    from purchase_orders
    group by event_date
),

daily as (
    select
        date_spine.kpi_date,
        channels.channel,
        cast(coalesce(daily_people.net_revenue, 0) as decimal(18, 4)) as net_revenue,
        {{ double_to_decimal(
            'coalesce(cast(daily_people.gross_revenue as double) / nullif(daily_orders.orders, 0), 0)', 18, 4
        ) }} as average_order_value,
        coalesce(daily_people.active_users, 0) as active_users,
        coalesce(daily_people.buyers, 0) as buyers,
        coalesce(daily_orders.orders, 0) as orders,
        coalesce(new_people.new_users, 0) as new_users,
        coalesce(daily_people.viewers, 0) as viewers,
        coalesce(daily_people.viewers_who_bought, 0) as viewers_who_bought,
        coalesce(daily_people.viewers_who_bought / nullif(daily_people.viewers, 0), 0) as view_to_purchase_rate
    from date_spine
    cross join channels
    left join daily_people
        on date_spine.kpi_date = daily_people.event_date and channels.channel = daily_people.channel
    left join daily_orders
        on date_spine.kpi_date = daily_orders.event_date and channels.channel = daily_orders.channel
    left join new_people
        on date_spine.kpi_date = new_people.kpi_date and channels.channel = new_people.channel
)

select * from daily
order by kpi_date, channel
