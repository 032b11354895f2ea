-- Every churn candidate applied in SQL to every person of the snapshot its fit scores
-- (backtest fit: `eval`, out of time; serving fit: `score`, as of the analysis date), one row
-- per (snapshot_role, model_name, user_key):
--   logistic_regression, recency_only: linear score = intercept + Σ contributions
--     (int_churn_contributions), probability = logistic sigmoid of it (stable form for either
--     sign);
--   decision_tree: the churn share of the person's leaf (int_churn_tree_leaves);
--   recency_frequency: the churn rate of the person's cell (int_churn_cell_rates): the lowest
--     recency bin whose upper edge is at or above their recency (the last bin beyond it), and
--     their order-count bucket; 0.5 when the training snapshot had nobody.

with

churn_snapshots as (
    select * from {{ ref('int_churn_snapshots') }}
),

contributions as (
    select * from {{ ref('int_churn_contributions') }}
),

churn_model as (
    select * from {{ ref('churn_model') }}
),

churn_fits as (
    select * from {{ ref('int_churn_fits') }}
),

tree_leaves as (
    select * from {{ ref('int_churn_tree_leaves') }}
),

cell_rates as (
    select * from {{ ref('int_churn_cell_rates') }}
),

linear_models as (
    select distinct
        fit_role,
        model_name,
        intercept
    from churn_model
),

fits as (
    select distinct
        fit_role,
        scored_snapshot_role
    from churn_fits
),

people as (
    select
        fits.fit_role,
        churn_snapshots.snapshot_role,
        churn_snapshots.user_key,
        churn_snapshots.snapshot_date,
        churn_snapshots.is_churned,
        churn_snapshots.recency_days,
        {{ churn_frequency_bucket('churn_snapshots.frequency') }} as frequency_bucket
    from fits
    inner join churn_snapshots on fits.scored_snapshot_role = churn_snapshots.snapshot_role
),

contribution_sums as (
    select
        snapshot_role,
        model_name,
        user_key,
        {{ ordered_sum('contribution', 'feature_order') }} as contribution_sum
    from contributions
    group by snapshot_role, model_name, user_key
),

linear_scores as (
    select
        people.snapshot_role,
        linear_models.model_name,
        people.user_key,
        linear_models.intercept + coalesce(contribution_sums.contribution_sum, 0) as linear_score
    from people
    inner join linear_models on people.fit_role = linear_models.fit_role
    left join contribution_sums
        on
            people.snapshot_role = contribution_sums.snapshot_role
            and linear_models.model_name = contribution_sums.model_name
            and people.user_key = contribution_sums.user_key
),

linear_predictions as (
    select
        snapshot_role,
        model_name,
        user_key,
        linear_score,
        cast(null as string) as rule_text,
        case
            when linear_score >= 0 then 1 / (1 + exp(-linear_score))
            else exp(linear_score) / (1 + exp(linear_score))
        end as churn_probability
    from linear_scores
),

tree_predictions as (
    select
        snapshot_role,
        'decision_tree' as model_name,
        user_key,
        cast(null as double) as linear_score,
        rule_text,
        churn_probability
    from tree_leaves
),

person_bins as (
    select
        people.snapshot_role,
        people.user_key,
        people.fit_role,
        people.frequency_bucket,
        coalesce(
            min(cell_rates.recency_bin) filter (where people.recency_days <= cell_rates.recency_max_days),
            max(cell_rates.recency_bin)
        ) as recency_bin
    from people
    left join cell_rates
        on people.fit_role = cell_rates.fit_role and people.frequency_bucket = cell_rates.frequency_bucket
    group by people.snapshot_role, people.user_key, people.fit_role, people.frequency_bucket
),

cell_predictions as (
    select
        person_bins.snapshot_role,
        'recency_frequency' as model_name,
        person_bins.user_key,
        cast(null as double) as linear_score,
        cell_rates.rule_text,
        coalesce(cell_rates.churn_probability, 0.5) as churn_probability
    from person_bins
    left join cell_rates
        on
            person_bins.fit_role = cell_rates.fit_role
            and person_bins.recency_bin = cell_rates.recency_bin
            and person_bins.frequency_bucket = cell_rates.frequency_bucket
),

candidates as (
    select * from linear_predictions
    union all
    select * from tree_predictions
    union all
    select * from cell_predictions
),

predictions as (
    select
        candidates.snapshot_role,
        candidates.model_name,
        candidates.user_key,
        people.fit_role,
        people.snapshot_date,
        churn_fits.training_snapshot_date,
        people.is_churned,
        people.recency_days,
        candidates.linear_score,
        candidates.churn_probability,
        candidates.rule_text,
        churn_fits.model_status,
        churn_fits.model_version
    from candidates
    inner join people on candidates.snapshot_role = people.snapshot_role and candidates.user_key = people.user_key
    inner join churn_fits on people.fit_role = churn_fits.fit_role and candidates.model_name = churn_fits.model_name
)

select * from predictions
order by snapshot_role, model_name, user_key
