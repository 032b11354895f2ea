-- The CLV backtest by calibration frequency (Fader, Hardie and Lee 2005, figure 4, as a table):
-- per number of repeat transactions in the calibration period (0, 1, ..., 6, and 7+), the mean
-- holdout transactions BG/NBD predicted, the mean last period's rate predicted, and the mean
-- that happened.

with

holdout_predictions as (
    select * from {{ ref('int_clv_holdout_predictions') }}
),

bucketed as (
    select
        *,
        cast(least(frequency, 7) as integer) as frequency_bucket
    from holdout_predictions
),

buckets as (
    select
        frequency_bucket,
        case when frequency_bucket = 7 then '7+' else cast(frequency_bucket as string) end as frequency_label,
        count(*) as customers,
        {{ ordered_avg('model_transactions', 'user_key') }} as mean_predicted_transactions,
        avg(last_period_transactions) as mean_last_period_transactions,
        avg(holdout_transactions) as mean_actual_transactions
    from bucketed
    group by frequency_bucket
)

select * from buckets
order by frequency_bucket
