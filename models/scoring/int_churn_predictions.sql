-- The churn model applied in SQL to every person of every snapshot: linear score = intercept +
-- sum of contributions, churn probability = logistic sigmoid of the score (computed in the
-- numerically stable form for either sign).

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

model_header as (
    select distinct
        intercept,
        model_status,
        model_version
    from churn_model
),

scores as (
    select
        snapshot_role,
        user_key,
        sum(contribution order by feature_order) as contribution_sum
    from contributions
    group by snapshot_role, user_key
),

predicted as (
    select
        churn_snapshots.snapshot_role,
        churn_snapshots.user_key,
        churn_snapshots.snapshot_date,
        churn_snapshots.is_churned,
        churn_snapshots.recency_days,
        model_header.model_status,
        model_header.model_version,
        model_header.intercept + coalesce(scores.contribution_sum, 0) as linear_score
    from churn_snapshots
    cross join model_header
    left join scores
        on churn_snapshots.snapshot_role = scores.snapshot_role and churn_snapshots.user_key = scores.user_key
),

with_probability as (
    select
        *,
        case
            when linear_score >= 0 then 1 / (1 + exp(-linear_score))
            else exp(linear_score) / (1 + exp(linear_score))
        end as churn_probability
    from predicted
)

select * from with_probability
order by snapshot_role, user_key
