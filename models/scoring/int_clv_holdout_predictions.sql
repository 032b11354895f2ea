-- The CLV backtest per person: everyone with a purchase by the calibration end (as_of −
-- clv_holdout_days), what each candidate predicted for the holdout and what happened. BG/NBD +
-- Gamma-Gamma with the backtest fit (expected purchases × expected transaction value; the
-- person's own mean value when Gamma-Gamma is not fitted), last period's rate (the repeat
-- transactions and net value of the clv_holdout_days before the calibration end, repeated), and
-- the actual holdout transactions and net value (refunds up to as_of).
{{ config(tags=['clv']) }}

with

customer_base as (
    select * from {{ ref('int_clv_customer_base') }}
),

expected_purchases as (
    select * from {{ ref('int_clv_expected_purchases') }}
),

fits as (
    select * from {{ ref('int_clv_fits') }}
),

backtest_fit as (
    select *
    from fits
    where fit_role = 'backtest'
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

predictions as (
    select
        calibration_base.user_key,
        calibration_base.frequency,
        holdout_expected.expected_purchases as model_transactions,
        holdout_expected.expected_purchases * {{ clv_expected_transaction_value(
            'calibration_base.frequency', 'calibration_base.repeat_transaction_value', 'calibration_base.total_value'
        ) }} as model_value,
        cast(calibration_base.prior_period_transactions as double) as last_period_transactions,
        cast(calibration_base.prior_period_value as double) as last_period_value,
        calibration_base.holdout_transactions,
        cast(calibration_base.holdout_value as double) as holdout_value
    from calibration_base
    cross join backtest_fit
    left join holdout_expected on calibration_base.user_key = holdout_expected.user_key
)

select * from predictions
order by user_key
