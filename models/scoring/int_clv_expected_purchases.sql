-- BG/NBD expected purchases of every person of int_clv_customer_base over each horizon its
-- snapshot needs, scored in SQL with the fit of its snapshot (int_clv_fits): the `current`
-- snapshot (serving fit) over 30 and 90 days and the 12 months of the coming year (month m ends
-- m × 365 / 12 days after as_of; month 12 is the 365-day horizon), the `calibration` snapshot
-- (backtest fit) over the holdout. The hypergeometric series depends on the person only through
-- (frequency, age_days), so it is summed once per distinct pair (macro clv_series_sum).
{{ config(tags=['clv']) }}

with

customer_base as (
    select * from {{ ref('int_clv_customer_base') }}
),

fits as (
    select * from {{ ref('int_clv_fits') }}
),

horizons as (
    select
        'current' as snapshot_role,
        fixed_horizons.horizon_name,
        cast(fixed_horizons.horizon_days as double) as horizon_days,
        cast(null as integer) as horizon_month
    from (values ('30d', 30), ('90d', 90)) as fixed_horizons (horizon_name, horizon_days)
    union all
    select
        'current' as snapshot_role,
        'month_' || cast(months.month_number as string) as horizon_name,
        cast(months.month_number as double) * 365.0 / 12 as horizon_days,
        cast(months.month_number as integer) as horizon_month
    from (select {{ unnest_range(1, 13) }} as month_number) as months
    union all
    select
        'calibration' as snapshot_role,
        'holdout' as horizon_name,
        cast({{ typed_var('clv_holdout_days') }} as double) as horizon_days,
        cast(null as integer) as horizon_month
),

people_horizons as (
    select
        customer_base.snapshot_role,
        customer_base.user_key,
        customer_base.frequency,
        customer_base.recency_days,
        customer_base.age_days,
        horizons.horizon_name,
        horizons.horizon_days,
        horizons.horizon_month,
        fits.r,
        fits.alpha,
        fits.a,
        fits.b
    from customer_base
    inner join horizons on customer_base.snapshot_role = horizons.snapshot_role
    inner join fits on customer_base.snapshot_role = fits.snapshot_role
),

series_inputs as (
    select distinct
        snapshot_role,
        frequency,
        age_days,
        horizon_days,
        r,
        alpha,
        a,
        b
    from people_horizons
),

series as (
    {{ clv_series_sum('series_inputs', ['snapshot_role', 'frequency', 'age_days', 'horizon_days']) }}
),

expected as (
    select
        people_horizons.snapshot_role,
        people_horizons.user_key,
        people_horizons.horizon_name,
        people_horizons.horizon_days,
        people_horizons.horizon_month,
        series.series_terms,
        {{ clv_p_alive('people_horizons.frequency', 'people_horizons.recency_days', 'people_horizons.age_days') }}
            as p_alive,
        {{ clv_expected_purchases(
            'people_horizons.frequency',
            'people_horizons.recency_days',
            'people_horizons.age_days',
            'people_horizons.horizon_days',
        ) }} as expected_purchases
    from people_horizons
    left join series
        on
            people_horizons.snapshot_role = series.snapshot_role
            and people_horizons.frequency = series.frequency
            and people_horizons.age_days = series.age_days
            and people_horizons.horizon_days = series.horizon_days
)

select * from expected
order by snapshot_role, user_key, horizon_days
