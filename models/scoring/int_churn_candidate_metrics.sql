-- Out-of-time metrics of every churn candidate on the `eval` snapshot (as_of_date - H, labels
-- from the H days up to as_of_date), scored by its backtest fit (trained on as_of_date - 2H, so
-- it never saw these labels). One row per candidate:
--   roc_auc: Mann-Whitney form, probability that a random churner scores above a random
--            non-churner, ties counting one half (= scikit-learn roc_auc_score)
--   pr_auc:  average precision, sum over distinct score thresholds (high to low) of
--            (recall gain) × precision at that threshold (= scikit-learn average_precision_score)
--   log_loss, brier_score: mean over people; probabilities clipped to [eps, 1 - eps] for the log
--            (eps = 2.22e-16)
-- Metrics that need both classes are NULL when the snapshot has only one.

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
        case when totals.positives between 1 and totals.user_count - 1 then ranking_metrics.roc_auc end as roc_auc,
        case
            when totals.positives between 1 and totals.user_count - 1 then ranking_metrics.average_precision
        end as pr_auc
    from totals
    inner join ranking_metrics on totals.model_name = ranking_metrics.model_name
)

select * from metrics
order by model_name
