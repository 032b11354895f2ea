-- The CLV backtest by calibration frequency (Fader, Hardie and Lee 2005, figure 4, as a table):
-- per number of repeat transactions in the calibration period (0, 1, ..., 6, and 7+), the mean
-- holdout transactions BG/NBD predicted, the mean last period's rate predicted, and the mean
-- that happened.

with

customer_base as (
    select * from {{ ref('int_clv_customer_base') }}
),

expected_purchases as (
    select * from {{ ref('int_clv_expected_purchases') }}
),

calibration_base as (
    select *
    from customer_base
    where snapshot_role = 'calibration'
),

holdout_expected as (
    select
        user_key,
        expected_purchases
    from expected_purchases
    where snapshot_role = 'calibration' and horizon_name = 'holdout'
),

people as (
    select
        cast(least(calibration_base.frequency, 7) as integer) as frequency_bucket,
        calibration_base.user_key,
        holdout_expected.expected_purchases,
        calibration_base.prior_period_transactions,
        calibration_base.holdout_transactions
    from calibration_base
    left join holdout_expected on calibration_base.user_key = holdout_expected.user_key
),

buckets as (
    select
        frequency_bucket,
        case when frequency_bucket = 7 then '7+' else cast(frequency_bucket as varchar) end
            as frequency_label,
        count(*) as customers,
        avg(expected_purchases order by user_key) as mean_predicted_transactions,
        avg(prior_period_transactions) as mean_last_period_transactions,
        avg(holdout_transactions) as mean_actual_transactions
    from people
    group by frequency_bucket
)

select * from buckets
order by frequency_bucket
