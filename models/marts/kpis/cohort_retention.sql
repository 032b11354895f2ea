-- Monthly first-purchase cohorts: for every cohort month and every month since (0 = the cohort
-- month itself, up to the month of as_of_date), how many of the cohort bought in that month and
-- the share still buying. Missing cohort-months are zeros from a month spine, not absent rows.

with

events_as_of as (
    select * from {{ ref('int_events_as_of') }}
),

purchase_months as (
    select distinct
        user_key,
        cast(date_trunc('month', event_date) as date) as activity_month
    from events_as_of
    where event_type = 'purchase'
),

cohorts as (
    select
        user_key,
        min(activity_month) as cohort_month
    from purchase_months
    group by user_key
),

cohort_sizes as (
    select
        cohort_month,
        count(*) as cohort_size
    from cohorts
    group by cohort_month
),

last_month as (
    select any_value(cast(date_trunc('month', as_of_date) as date)) as as_of_month
    from events_as_of
),

cohort_spine as (
    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_size,
        cast(months.months_since as integer) as months_since_first_purchase
    from cohort_sizes
    cross join last_month
    {{ cross_join_series('0', '1199', 'months', 'months_since') }}
    where
        {{ add_months('cohort_sizes.cohort_month', 'cast(months.months_since as integer)') }}
        <= last_month.as_of_month
),

activity as (
    select
        cohorts.cohort_month,
        cast(
            12 * (year(purchase_months.activity_month) - year(cohorts.cohort_month))
            + month(purchase_months.activity_month) - month(cohorts.cohort_month)
            as integer
        ) as months_since_first_purchase,
        count(*) as active_buyers
    from purchase_months
    inner join cohorts on purchase_months.user_key = cohorts.user_key
    group by all
),

retention as (
    select
        cohort_spine.cohort_month,
        cohort_spine.months_since_first_purchase,
        cast(
            {{ add_months('cohort_spine.cohort_month', 'cast(cohort_spine.months_since_first_purchase as integer)') }}
            as date
        ) as activity_month,
        cohort_spine.cohort_size,
        coalesce(activity.active_buyers, 0) as active_buyers,
        coalesce(activity.active_buyers, 0) / cohort_spine.cohort_size as retention_rate
    from cohort_spine
    left join activity
        on
            cohort_spine.cohort_month = activity.cohort_month
            and cohort_spine.months_since_first_purchase = activity.months_since_first_purchase
)

select * from retention
order by cohort_month, months_since_first_purchase
