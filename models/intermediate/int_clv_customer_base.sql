-- The customer-base summary the CLV models learn from and score: per snapshot and person with a
-- purchase on or before the snapshot's end date, the repeat transactions x, the recency t_x and
-- the age T in days, and the mean net value of the repeat transactions. Two snapshots:
-- `calibration` ends clv_holdout_days before as_of (the backtest fit; it also carries what
-- happened in the holdout and the repeat transactions of the period of the same length before
-- its end, the last-period baseline) and `current`
-- ends on as_of (the serving fit and the scores).
--
-- A day with purchases is one transaction (Fader, Hardie and Lee 2005; lifetimes). Its net value
-- is the revenue of that day's purchase lines minus the refunds of those orders made by the
-- snapshot's end date (a refund is credited to the day its order was first bought; refunds of
-- orders without a purchase in the history change no transaction). Full history: no lookback
-- window.
{{ config(tags=['clv']) }}

with

events_as_of as (
    select * from {{ ref('int_events_as_of') }}
),

analysis_date as (
    select * from {{ ref('int_analysis_date') }}
),

snapshots as (
    select
        'calibration' as snapshot_role,
        as_of_date,
        cast(as_of_date - {{ typed_var('clv_holdout_days') }} as date) as calibration_end_date
    from analysis_date
    union all
    select
        'current' as snapshot_role,
        as_of_date,
        as_of_date as calibration_end_date
    from analysis_date
),

purchase_lines as (
    select
        user_key,
        order_id,
        event_date,
        revenue
    from events_as_of
    where event_type = 'purchase'
),

refund_lines as (
    select
        user_key,
        order_id,
        event_date,
        revenue
    from events_as_of
    where event_type = 'refund'
),

purchase_days as (
    select
        user_key,
        event_date as transaction_date,
        sum(revenue) as purchase_value
    from purchase_lines
    group by user_key, event_date
),

order_days as (
    -- the day each order was first bought: its refunds are credited there
    select
        user_key,
        order_id,
        min(event_date) as transaction_date
    from purchase_lines
    group by user_key, order_id
),

refunds_by_snapshot as (
    select
        snapshots.snapshot_role,
        order_days.user_key,
        order_days.transaction_date,
        sum(refund_lines.revenue) as refund_value
    from refund_lines
    inner join order_days
        on
            refund_lines.user_key = order_days.user_key
            and refund_lines.order_id = order_days.order_id
    inner join snapshots on refund_lines.event_date <= snapshots.calibration_end_date
    group by snapshots.snapshot_role, order_days.user_key, order_days.transaction_date
),

transactions as (
    -- every transaction day up to the as_of date, valued as seen at each snapshot's end
    select
        snapshots.snapshot_role,
        snapshots.calibration_end_date,
        snapshots.as_of_date,
        purchase_days.user_key,
        purchase_days.transaction_date,
        purchase_days.transaction_date > min(purchase_days.transaction_date) over (
            partition by purchase_days.user_key
        ) as is_repeat,
        purchase_days.purchase_value + coalesce(refunds_at_end.refund_value, 0) as transaction_value,
        -- the value as seen on as_of: what a holdout transaction turned out to be worth
        purchase_days.purchase_value + coalesce(refunds_at_as_of.refund_value, 0) as value_at_as_of
    from purchase_days
    cross join snapshots
    left join refunds_by_snapshot as refunds_at_end
        on
            snapshots.snapshot_role = refunds_at_end.snapshot_role
            and purchase_days.user_key = refunds_at_end.user_key
            and purchase_days.transaction_date = refunds_at_end.transaction_date
    left join refunds_by_snapshot as refunds_at_as_of
        on
            refunds_at_as_of.snapshot_role = 'current'
            and purchase_days.user_key = refunds_at_as_of.user_key
            and purchase_days.transaction_date = refunds_at_as_of.transaction_date
),

calibration_history as (
    select
        snapshot_role,
        calibration_end_date,
        user_key,
        min(transaction_date) as first_purchase_date,
        max(transaction_date) as last_purchase_date,
        count(*) as transaction_count,
        sum(transaction_value) as total_value,
        min_by(transaction_value, transaction_date) as first_transaction_value
    from transactions
    where transaction_date <= calibration_end_date
    group by snapshot_role, calibration_end_date, user_key
),

period_flags as (
    select
        snapshot_role,
        user_key,
        transaction_value,
        value_at_as_of,
        transaction_date > calibration_end_date as is_holdout,
        is_repeat
        and transaction_date <= calibration_end_date
        and transaction_date > calibration_end_date - {{ typed_var('clv_holdout_days') }} as is_prior_period
    from transactions
),

outside_calibration as (
    -- the holdout (after the end, up to as_of) and the repeat transactions of the period of the
    -- same length before the end
    select
        snapshot_role,
        user_key,
        count(*) filter (where is_holdout) as holdout_transactions,
        coalesce(sum(value_at_as_of) filter (where is_holdout), 0) as holdout_value,
        count(*) filter (where is_prior_period) as prior_period_transactions,
        coalesce(sum(transaction_value) filter (where is_prior_period), 0) as prior_period_value
    from period_flags
    group by snapshot_role, user_key
),

customer_base as (
    select
        calibration_history.snapshot_role,
        calibration_history.calibration_end_date,
        calibration_history.user_key,
        calibration_history.first_purchase_date,
        calibration_history.last_purchase_date,
        calibration_history.total_value,
        outside_calibration.prior_period_transactions,
        outside_calibration.prior_period_value,
        cast(calibration_history.last_purchase_date - calibration_history.first_purchase_date as integer)
            as recency_days,
        cast(calibration_history.calibration_end_date - calibration_history.first_purchase_date as integer)
            as age_days,
        calibration_history.transaction_count - 1 as frequency,
        case
            when calibration_history.transaction_count > 1
                then
                    cast(
                        cast(calibration_history.total_value - calibration_history.first_transaction_value as double)
                        / (calibration_history.transaction_count - 1)
                        as double
                    )
        end as repeat_transaction_value,
        -- what happened after the end: known only for the calibration snapshot
        case
            when calibration_history.snapshot_role = 'calibration'
                then outside_calibration.holdout_transactions
        end as holdout_transactions,
        case
            when calibration_history.snapshot_role = 'calibration'
                then outside_calibration.holdout_value
        end as holdout_value
    from calibration_history
    inner join outside_calibration
        on
            calibration_history.snapshot_role = outside_calibration.snapshot_role
            and calibration_history.user_key = outside_calibration.user_key
)

select * from customer_base
order by snapshot_role, user_key
