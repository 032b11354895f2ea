-- Every churn candidate evaluated out of time on the same `eval` snapshot, with the champion
-- that churn_scores serves. Metrics: int_churn_candidate_metrics (backtest fits); dates,
-- statuses and versions: int_churn_fits (backtest and serving fits).
-- Champion rule, on the backtest:
--   1. eligible: recency_only always; another baseline only if its ROC AUC is at least that of
--      every simpler baseline; a model only if its ROC AUC is at least every baseline's and its
--      log loss at most every baseline's plus `churn_champion_tolerance` (a model is never
--      served when a no-model baseline beats it out of time; within the tolerance is a tie,
--      not a win); and any candidate only if its ROC AUC gain over recency_only is
--      at least `churn_champion_min_auc_z` standard errors of that paired difference
--      (DeLong), so nothing serves for beating recency by chance alone. A NULL metric (one
--      class, no people) does not disqualify.
--   2. among the eligible, the lowest log loss; candidates within `churn_champion_tolerance`
--      of it tie, and the simplest of them (lowest complexity_rank) is the champion.
--   3. no log loss at all (no evaluation people): the simplest candidate serves.
-- When no backtest fit was fitted (too little history before its training snapshot), the rule
-- compares fallbacks and the simplest candidate serves; its note says it has no evidence.

{%- set tolerance = typed_var('churn_champion_tolerance') | float %}
{%- set min_auc_z = typed_var('churn_champion_min_auc_z') | float %}

with

candidates as (
    select * from {{ ref('churn_candidates') }}
),

metrics as (
    select * from {{ ref('int_churn_candidate_metrics') }}
),

churn_fits as (
    select * from {{ ref('int_churn_fits') }}
),

backtest_fits as (
    select * from churn_fits
    where fit_role = 'backtest'
),

serving_fits as (
    select * from churn_fits
    where fit_role = 'serving'
),

evaluated as (
    select
        candidates.model_name,
        candidates.model_kind,
        candidates.complexity_rank,
        metrics.evaluation_snapshot_date,
        backtest_fits.training_snapshot_date as backtest_training_snapshot_date,
        serving_fits.training_snapshot_date as serving_training_snapshot_date,
        cast(coalesce(metrics.user_count, 0) as bigint) as user_count,
        cast(coalesce(metrics.positives, 0) as bigint) as positives,
        metrics.positive_rate,
        metrics.roc_auc,
        metrics.roc_auc_gain_over_recency,
        metrics.roc_auc_gain_standard_error,
        metrics.pr_auc,
        metrics.log_loss,
        metrics.brier_score,
        metrics.mean_predicted_probability,
        backtest_fits.model_status as backtest_model_status,
        backtest_fits.model_version as backtest_model_version,
        serving_fits.model_status as serving_model_status,
        serving_fits.model_version as serving_model_version
    from candidates
    left join metrics on candidates.model_name = metrics.model_name
    left join backtest_fits on candidates.model_name = backtest_fits.model_name
    left join serving_fits on candidates.model_name = serving_fits.model_name
),

bars as (
    -- what each candidate has to match: the simpler baselines' ranking, every baseline's log loss
    select
        *,
        max(case when model_kind = 'baseline' then roc_auc end) over (
            order by complexity_rank rows between unbounded preceding and 1 preceding
        ) as simpler_baseline_roc_auc,
        min(case when model_kind = 'baseline' then log_loss end) over () as best_baseline_log_loss
    from evaluated
),

significance as (
    select
        *,
        coalesce(
            roc_auc_gain_over_recency >= {{ min_auc_z }} * roc_auc_gain_standard_error, true
        ) as is_clear_of_recency
    from bars
),

eligibility as (
    select
        *,
        coalesce(roc_auc >= simpler_baseline_roc_auc, true)
        and is_clear_of_recency
        and (
            model_kind = 'baseline' or coalesce(log_loss <= best_baseline_log_loss + {{ tolerance }}, true)
        ) as is_eligible
    from significance
),

best as (
    select
        *,
        min(case when is_eligible then log_loss end) over () as best_eligible_log_loss,
        -- no backtest fit learned anything (too little history): the metrics are of fallbacks
        coalesce(bool_or(backtest_model_status = 'fitted') over (), true) as has_backtest_evidence
    from eligibility
),

tied as (
    select
        *,
        coalesce(is_eligible and log_loss <= best_eligible_log_loss + {{ tolerance }}, false) as is_tied_best
    from best
),

champion as (
    select
        coalesce(
            min(complexity_rank) filter (where is_tied_best),
            min(complexity_rank)
        ) as champion_rank
    from tied
),

chosen as (
    select
        tied.*,
        tied.complexity_rank = champion.champion_rank as is_champion,
        case
            when tied.complexity_rank = champion.champion_rank and not tied.has_backtest_evidence
                then printf(
                    'champion without evidence: no backtest fit was fitted (%s: too little history before '
                    || 'the backtest''s training snapshot), so the simplest candidate serves',
                    tied.backtest_model_status
                )
            when tied.complexity_rank = champion.champion_rank and tied.best_eligible_log_loss is null
                then 'champion: no backtest metrics (no evaluation people), so the simplest candidate serves'
            when tied.complexity_rank = champion.champion_rank and tied.log_loss = tied.best_eligible_log_loss
                then 'champion: the lowest backtest log loss among the eligible candidates'
            when tied.complexity_rank = champion.champion_rank
                then printf(
                    'champion: within %s of the lowest eligible log loss (%.4f), the simplest',
                    '{{ tolerance }}', tied.best_eligible_log_loss
                )
            when not tied.is_eligible and tied.roc_auc < tied.simpler_baseline_roc_auc
                then printf(
                    'not eligible: a simpler baseline ranks churners better (ROC AUC %.6f < %.6f)',
                    tied.roc_auc, tied.simpler_baseline_roc_auc
                )
            when not tied.is_eligible and not tied.is_clear_of_recency
                then printf(
                    'not eligible: its ROC AUC gain over recency_only (%.4f) is under %s standard errors (%.4f)',
                    tied.roc_auc_gain_over_recency, '{{ min_auc_z }}', tied.roc_auc_gain_standard_error
                )
            when not tied.is_eligible
                then printf(
                    'not eligible: a no-model baseline has a lower log loss by more than %s (%.4f > %.4f)',
                    '{{ tolerance }}', tied.log_loss, tied.best_baseline_log_loss
                )
            when tied.is_tied_best then 'eligible, tied with the champion, which is simpler'
            when tied.log_loss is null then 'eligible; no backtest metrics to compare'
            else printf('eligible; higher backtest log loss than the champion (%.4f)', tied.log_loss)
        end as selection_note
    from tied
    cross join champion
),

evaluation as (
    select
        model_name,
        model_kind,
        complexity_rank,
        evaluation_snapshot_date,
        backtest_training_snapshot_date,
        serving_training_snapshot_date,
        user_count,
        positives,
        positive_rate,
        roc_auc,
        roc_auc_gain_over_recency,
        roc_auc_gain_standard_error,
        pr_auc,
        log_loss,
        brier_score,
        mean_predicted_probability,
        is_eligible,
        is_champion,
        selection_note,
        backtest_model_status,
        backtest_model_version,
        serving_model_status,
        serving_model_version
    from chosen
)

select * from evaluation
order by complexity_rank
