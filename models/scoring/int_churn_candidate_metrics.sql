-- Out-of-time metrics of every churn candidate on the `eval` snapshot (as_of_date - H, labels
-- from the H days up to as_of_date), scored by its backtest fit (trained on as_of_date - 2H, so
-- it never saw these labels). One row per candidate:
--   roc_auc: Mann-Whitney form, probability that a random churner scores above a random
--            non-churner, ties counting one half (= scikit-learn roc_auc_score)
--   pr_auc:  average precision, sum over distinct score thresholds (high to low) of
--            (recall gain) × precision at that threshold (= scikit-learn average_precision_score)
--   log_loss, brier_score: mean over people; probabilities clipped to [eps, 1 - eps] for the log
--            (eps = 2.22e-16)
--   roc_auc_gain_over_recency: roc_auc minus recency_only's (the baseline of the must-show)
--   roc_auc_gain_standard_error: DeLong, DeLong and Clarke-Pearson (1988) for two ROC AUCs of
--            the same people. A person's placement: a churner's share of non-churners scoring
--            below them, a non-churner's share of churners scoring above them (ties one half);
--            each class's mean placement is the AUC. With d = placement - recency_only's
--            placement of the same person, SE = sqrt(var(d over churners) / churners
--            + var(d over non-churners) / non-churners), sample variances (n - 1).
-- Metrics that need both classes (or two people of each for the SE) are NULL otherwise.

with

predictions as (
    select * from {{ ref('int_churn_predictions') }}
    where snapshot_role = 'eval'
),

scored as (
    select
        model_name,
        user_key,
        snapshot_date,
        cast(is_churned as integer) as churned,
        churn_probability as score,
        churn_probability as probability
    from predictions
),

score_groups as (
    -- people sharing a score form one group: ties are one threshold
    select
        model_name,
        score,
        count(*) as group_users,
        sum(churned) as group_positives
    from scored
    group by model_name, score
),

ranked_groups as (
    select
        *,
        -- average ascending rank of the group's members (ties share the mean rank)
        sum(group_users) over (
            partition by model_name order by score asc nulls last rows between unbounded preceding and current row
        ) - (group_users - 1) / 2.0 as average_rank,
        -- people and positives scoring at least this group's score
        sum(group_users) over (
            partition by model_name order by score desc rows between unbounded preceding and current row
        ) as users_at_or_above,
        sum(group_positives) over (
            partition by model_name order by score desc rows between unbounded preceding and current row
        ) as positives_at_or_above
    from score_groups
),

totals as (
    select
        model_name,
        cast(sum(churned) as bigint) as positives,
        count(*) as user_count,
        avg(churned) as positive_rate,
        any_value(snapshot_date) as evaluation_snapshot_date,
        -{{ ordered_avg(
            "case
                when probability is not null
                    then
                        churned * ln(greatest(least(probability, 1 - 2.220446049250313e-16), 2.220446049250313e-16))
                        + (1 - churned)
                        * ln(greatest(least(1 - probability, 1 - 2.220446049250313e-16), 2.220446049250313e-16))
            end",
            'user_key',
        ) }} as log_loss,
        {{ ordered_avg('pow(probability - churned, 2)', 'user_key') }} as brier_score,
        {{ ordered_avg('probability', 'user_key') }} as mean_predicted_probability
    from scored
    group by model_name
),

ranking_metrics as (
    select
        ranked_groups.model_name,
        -- (as a double: Spark would keep the rank sum's decimal type, rounded to 6 places)
        cast(
            sum(ranked_groups.group_positives * ranked_groups.average_rank)
            - any_value(totals.positives) * (any_value(totals.positives) + 1) / 2.0
            as double
        )
        / nullif(any_value(totals.positives) * (any_value(totals.user_count) - any_value(totals.positives)), 0)
            as roc_auc,
        {{ ordered_sum(
            'ranked_groups.group_positives / nullif(totals.positives, 0)
            * ranked_groups.positives_at_or_above / ranked_groups.users_at_or_above',
            'ranked_groups.score desc',
        ) }} as average_precision
    from ranked_groups
    inner join totals on ranked_groups.model_name = totals.model_name
    group by ranked_groups.model_name
),

placements as (
    select
        scored.model_name,
        scored.user_key,
        scored.churned,
        case
            when scored.churned = 1
                then cast(
                    (totals.user_count - totals.positives)
                    - (ranked_groups.users_at_or_above - ranked_groups.positives_at_or_above)
                    + (ranked_groups.group_users - ranked_groups.group_positives) / 2.0
                    as double
                )
                / nullif(totals.user_count - totals.positives, 0)
            else
                cast(ranked_groups.positives_at_or_above - ranked_groups.group_positives / 2.0 as double)
                / nullif(totals.positives, 0)
        end as placement
    from scored
    inner join ranked_groups on scored.model_name = ranked_groups.model_name and scored.score = ranked_groups.score
    inner join totals on scored.model_name = totals.model_name
),

placement_gaps as (
    -- the same person's placement by the candidate minus by recency_only
    select
        placements.model_name,
        placements.user_key,
        placements.churned,
        placements.placement - reference.placement as placement_gap
    from placements
    inner join placements as reference
        on placements.user_key = reference.user_key and reference.model_name = 'recency_only'
),

gap_variances as (
    -- sample variance of the gaps per class (NULL with one person)
    select
        model_name,
        churned,
        count(*) as people,
        {{ ordered_aggregate('var_samp', 'placement_gap', 'user_key') }} as gap_variance
    from placement_gaps
    group by model_name, churned
),

gain_errors as (
    -- NULL unless both classes have two people or more
    select
        model_name,
        case
            when count(gap_variance) = 2
                then sqrt(
                    max(case when churned = 1 then gap_variance / people end)
                    + max(case when churned = 0 then gap_variance / people end)
                )
        end as roc_auc_gain_standard_error
    from gap_variances
    group by model_name
),

reference_metrics as (
    select roc_auc as reference_roc_auc
    from ranking_metrics
    where model_name = 'recency_only'
),

metrics as (
    select
        totals.model_name,
        totals.evaluation_snapshot_date,
        totals.user_count,
        totals.positives,
        totals.positive_rate,
        totals.log_loss,
        totals.brier_score,
        totals.mean_predicted_probability,
        gain_errors.roc_auc_gain_standard_error,
        case when totals.positives between 1 and totals.user_count - 1 then ranking_metrics.roc_auc end as roc_auc,
        case
            when totals.positives between 1 and totals.user_count - 1 then ranking_metrics.average_precision
        end as pr_auc,
        case
            when totals.positives between 1 and totals.user_count - 1
                then ranking_metrics.roc_auc - reference_metrics.reference_roc_auc
        end as roc_auc_gain_over_recency
    from totals
    inner join ranking_metrics on totals.model_name = ranking_metrics.model_name
    left join gain_errors on totals.model_name = gain_errors.model_name
    left join reference_metrics on true
)

select * from metrics
order by model_name
