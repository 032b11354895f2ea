-- Weekly view -> cart -> purchase funnel per channel and for all channels together. A person
-- enters a stage in a week when they did that step in the week (in that channel) after having
-- done every earlier stage in the same week, so counts never grow down the funnel. Weeks start
-- on Monday; every (week, channel) from the first event to as_of_date has a row.

with

events_as_of as (
    select
        event_date,
        user_key,
        event_type,
        as_of_date,
        cast(date_trunc('week', event_date) as date) as week_start,
        coalesce(channel, 'unknown') as channel
    from {{ ref('int_events_as_of') }}
),

bounds as (
    select
        min(week_start) as first_week,
        any_value(cast(date_trunc('week', as_of_date) as date)) as last_week
    from events_as_of
),

week_spine as (
    select cast(spine.week as date) as week_start
    from bounds
    {{ cross_join_series('bounds.first_week', 'bounds.last_week', 'spine', 'week', step='interval 7 day') }}
),

channels as (
    select distinct channel from events_as_of
    union
    select 'all' as channel
),

channel_user_weeks as (
    -- one row per week, channel and person: the 'all' rows are built from these, not the events
    select
        week_start,
        channel,
        user_key,
        bool_or(event_type = 'view') as viewed,
        bool_or(event_type = 'add_to_cart') as carted,
        bool_or(event_type = 'purchase') as purchased
    from events_as_of
    group by week_start, channel, user_key
),

user_weeks as (
    select * from channel_user_weeks
    union all
    select
        week_start,
        'all' as channel,
        user_key,
        bool_or(viewed) as viewed,
        bool_or(carted) as carted,
        bool_or(purchased) as purchased
    from channel_user_weeks
    group by week_start, user_key
),

weekly as (
    select
        week_start,
        channel,
        count(*) filter (where viewed) as viewers,
        count(*) filter (where viewed and carted) as carters,
        count(*) filter (where viewed and carted and purchased) as purchasers,
        count(*) filter (where purchased) as all_purchasers
    from user_weeks
    group by week_start, channel
),

funnel as (
    select
        week_spine.week_start,
        channels.channel,
        coalesce(weekly.viewers, 0) as viewers,
        coalesce(weekly.carters, 0) as carters,
        coalesce(weekly.purchasers, 0) as purchasers,
        coalesce(weekly.all_purchasers, 0) as all_purchasers,
        coalesce(weekly.carters / nullif(weekly.viewers, 0), 0) as view_to_cart_rate,
        coalesce(weekly.purchasers / nullif(weekly.carters, 0), 0) as cart_to_purchase_rate,
        coalesce(weekly.purchasers / nullif(weekly.viewers, 0), 0) as view_to_purchase_rate
    from week_spine
    cross join channels
    left join weekly on week_spine.week_start = weekly.week_start and channels.channel = weekly.channel
)

select * from funnel
order by week_start, channel
