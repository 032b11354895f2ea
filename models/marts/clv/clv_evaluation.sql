-- The CLV backtest: BG/NBD + Gamma-Gamma fitted on purchases up to as_of − clv_holdout_days
-- (the backtest fit of clv_model), its predictions for the holdout (the clv_holdout_days up to
-- as_of) against what the same people then did, next to two baselines: `last_period_rate`
-- (each person repeats the transactions and net value of the period of the same length before
-- the calibration end; also the stand-in for customer_value's former estimate, a spend rate ×
-- retention) and `zero`. One row per candidate; `is_value_champion` marks which of
-- `bg_nbd_gamma_gamma` and `last_period_rate` predicted holdout revenue with the lower RMSE:
-- customer_value serves clv_12m when the model wins, the former estimate otherwise.

with

holdout_predictions as (
    select * from {{ ref('int_clv_holdout_predictions') }}
),

fits as (
    select * from {{ ref('int_clv_fits') }}
),

analysis_date as (
    select as_of_date from {{ ref('int_analysis_date') }}
),

backtest_fit as (
    select *
    from fits
    where fit_role = 'backtest'
),

predictions as (
    -- one row per candidate and person, the same people and holdout for all
    select
        'bg_nbd_gamma_gamma' as model_name,
        user_key,
        model_transactions as predicted_transactions,
        model_value as predicted_value,
        holdout_transactions,
        holdout_value
    from holdout_predictions
    union all
    select
        'last_period_rate' as model_name,
        user_key,
        last_period_transactions as predicted_transactions,
        last_period_value as predicted_value,
        holdout_transactions,
        holdout_value
    from holdout_predictions
    union all
    select
        'zero' as model_name,
        user_key,
        cast(0 as double) as predicted_transactions,
        cast(0 as double) as predicted_value,
        holdout_transactions,
        holdout_value
    from holdout_predictions
),

candidates as (
    select
        candidates.model_name,
        candidates.model_kind,
        candidates.candidate_order
    from (
        values
        ('bg_nbd_gamma_gamma', 'model', 1),
        ('last_period_rate', 'baseline', 2),
        ('zero', 'baseline', 3)
    ) as candidates (model_name, model_kind, candidate_order)
),

metrics as (
    select
        model_name,
        count(*) as customers,
        count(predicted_transactions) as customers_predicted,
        {{ ordered_sum('predicted_transactions', 'user_key') }} as predicted_transactions,
        sum(holdout_transactions) as actual_transactions,
        {{ ordered_avg('abs(predicted_transactions - holdout_transactions)', 'user_key') }} as transactions_mae,
        sqrt({{ ordered_avg('pow(predicted_transactions - holdout_transactions, 2)', 'user_key') }})
            as transactions_rmse,
        -- NULL, not NaN, when a side is constant (the zero baseline)
        nullif({{ ordered_corr('predicted_transactions', 'holdout_transactions', 'user_key') }}, cast('NaN' as double))
            as transactions_correlation,
        {{ ordered_sum('predicted_value', 'user_key') }} as predicted_revenue,
        {{ ordered_sum('holdout_value', 'user_key') }} as actual_revenue,
        {{ ordered_avg('abs(predicted_value - holdout_value)', 'user_key') }} as revenue_mae,
        sqrt({{ ordered_avg('pow(predicted_value - holdout_value, 2)', 'user_key') }}) as revenue_rmse,
        nullif({{ ordered_corr('predicted_value', 'holdout_value', 'user_key') }}, cast('NaN' as double))
            as revenue_correlation
    from predictions
    group by model_name
),

evaluated as (
    select
        candidates.model_name,
        candidates.model_kind,
        candidates.candidate_order,
        backtest_fit.calibration_end_date,
        analysis_date.as_of_date as holdout_end_date,
        {{ typed_var('clv_holdout_days') }} as holdout_days,
        backtest_fit.bg_nbd_status,
        backtest_fit.gamma_gamma_status,
        coalesce(metrics.customers, 0) as customers,
        coalesce(metrics.customers_predicted, 0) as customers_predicted,
        metrics.predicted_transactions,
        cast(metrics.actual_transactions as bigint) as actual_transactions,
        metrics.transactions_mae,
        metrics.transactions_rmse,
        metrics.transactions_correlation,
        metrics.predicted_revenue,
        metrics.actual_revenue,
        metrics.revenue_mae,
        metrics.revenue_rmse,
        metrics.revenue_correlation
    from candidates
    cross join backtest_fit
    cross join analysis_date
    left join metrics on candidates.model_name = metrics.model_name
),

value_rule as (
    -- the model serves customer_value when fitted on every customer of the backtest and its
    -- holdout revenue RMSE is strictly lower than last period's rate (ties: the simpler baseline)
    select
        case
            when
                model_row.customers_predicted = model_row.customers
                and model_row.customers > 0
                and model_row.revenue_rmse < baseline.revenue_rmse
                then 'bg_nbd_gamma_gamma'
            else 'last_period_rate'
        end as value_champion
    from evaluated as model_row
    inner join evaluated as baseline on baseline.model_name = 'last_period_rate'
    where model_row.model_name = 'bg_nbd_gamma_gamma'
),

flagged as (
    select
        evaluated.*,
        evaluated.model_name = value_rule.value_champion as is_value_champion
    from evaluated
    cross join value_rule
)

select * from flagged
order by candidate_order
