-- Calibration, lift and capture of the champion churn candidate (churn_evaluation) by decile of
-- predicted risk on the `eval` snapshot, scored by its backtest fit (out of time). Decile 1 =
-- the tenth of people with the highest predicted probability (ties ordered by user_key so
-- deciles are deterministic and equal-sized).
-- calibration_noise_band: how far the observed rate of a decile strays from its mean prediction
-- by chance alone when every prediction is right: 1.96 standard deviations of the mean of
-- independent Bernoulli(p_i) outcomes, 1.96 × sqrt(Σ p_i (1 - p_i)) / n. A gap beyond it is
-- miscalibration (or drift between the backtest's training and evaluation snapshots), not noise.

with

all_predictions as (
    select * from {{ ref('int_churn_predictions') }}
    where snapshot_role = 'eval'
),

churn_evaluation as (
    select * from {{ ref('churn_evaluation') }}
),

predictions as (
    select all_predictions.*
    from all_predictions
    inner join churn_evaluation on all_predictions.model_name = churn_evaluation.model_name
    where churn_evaluation.is_champion
),

ranked as (
    select
        model_name,
        user_key,
        snapshot_date,
        churn_probability,
        cast(is_churned as integer) as churned,
        cast(ntile(10) over (order by churn_probability desc nulls last, user_key asc) as integer) as decile
    from predictions
),

overall as (
    select
        count(*) as user_count,
        sum(churned) as churners,
        avg(churned) as churn_rate
    from ranked
),

by_decile as (
    select
        decile,
        cast(sum(churned) as bigint) as churners,
        any_value(snapshot_date) as evaluation_snapshot_date,
        count(*) as user_count,
        {{ ordered_avg('churn_probability', 'user_key') }} as mean_predicted_probability,
        avg(churned) as observed_churn_rate,
        1.96 * sqrt({{ ordered_sum('churn_probability * (1 - churn_probability)', 'user_key') }}) / count(*)
            as calibration_noise_band,
        min(churn_probability) as min_predicted_probability,
        max(churn_probability) as max_predicted_probability
    from ranked
    group by decile
),

champion as (
    select distinct model_name from ranked
),

cumulative as (
    select
        by_decile.*,
        cast(sum(by_decile.user_count) over (order by by_decile.decile) as bigint) as cumulative_users,
        cast(sum(by_decile.churners) over (order by by_decile.decile) as bigint) as cumulative_churners,
        overall.churners as total_churners,
        overall.churn_rate as overall_churn_rate,
        champion.model_name,
        by_decile.observed_churn_rate / nullif(overall.churn_rate, 0) as lift
    from by_decile
    cross join overall
    cross join champion
),

evaluated as (
    select
        decile,
        model_name,
        evaluation_snapshot_date,
        user_count,
        churners,
        mean_predicted_probability,
        observed_churn_rate,
        min_predicted_probability,
        max_predicted_probability,
        lift,
        cumulative_users,
        cumulative_churners,
        calibration_noise_band,
        mean_predicted_probability - observed_churn_rate as calibration_gap,
        abs(mean_predicted_probability - observed_churn_rate) <= calibration_noise_band as is_within_noise_band,
        cumulative_churners / nullif(total_churners, 0) as capture_rate,
        (cumulative_churners / cumulative_users) / nullif(overall_churn_rate, 0) as cumulative_lift
    from cumulative
)

select * from evaluated
order by decile
