-- kpi_daily adds up: the `all` rows hold the revenue of every clean event up to its last day
-- (as_of_date) and every person once as new, and the channel rows add up to the `all` rows for
-- the additive measures (revenue, new users). Returns the measures that do not match. Reads
-- clean_events, not int_events_as_of, so replaying another as_of_date on int_events_as_of
-- alone does not pit it against a kpi_daily built for a different date.

with

clean_events as (
    select * from {{ ref('clean_events') }}
),

kpi_daily as (
    select * from {{ ref('kpi_daily') }}
),

kpi_range as (
    select max(kpi_date) as last_date from kpi_daily
),

expected as (
    select
        coalesce(sum(clean_events.revenue), 0) as net_revenue,
        count(distinct clean_events.user_key) as new_users
    from clean_events
    cross join kpi_range
    where clean_events.event_date <= kpi_range.last_date
),

totals as (
    select
        sum(net_revenue) filter (where channel = 'all') as all_revenue,
        sum(net_revenue) filter (where channel != 'all') as channel_revenue,
        sum(new_users) filter (where channel = 'all') as all_new_users,
        sum(new_users) filter (where channel != 'all') as channel_new_users
    from kpi_daily
),

mismatches as (
    select
        'net_revenue' as measure,
        expected.net_revenue as expected_value,
        totals.all_revenue as all_value,
        totals.channel_revenue as channel_value
    from expected
    cross join totals
    where expected.net_revenue != totals.all_revenue or totals.all_revenue != totals.channel_revenue
    union all
    select
        'new_users' as measure,
        expected.new_users as expected_value,
        totals.all_new_users as all_value,
        totals.channel_new_users as channel_value
    from expected
    cross join totals
    where expected.new_users != totals.all_new_users or totals.all_new_users != totals.channel_new_users
)

select * from mismatches
