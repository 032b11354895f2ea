-- Churn risk of every person in the churn population at as_of_date (a purchase order in the
-- lookback window), served by the champion of churn_evaluation with its serving fit (trained on
-- the latest snapshot whose labels are complete, as_of_date - H): probability, risk band,
-- decile and why, in plain words (linear candidates: the features that push the risk up most;
-- the tree: the leaf's rule; the recency + frequency baseline: the cell's rule). Empty when
-- the serving fit had no training rows.

with

all_predictions as (
    select * from {{ ref('int_churn_predictions') }}
    where snapshot_role = 'score'
),

all_contributions as (
    select * from {{ ref('int_churn_contributions') }}
    where snapshot_role = 'score'
),

churn_evaluation as (
    select * from {{ ref('churn_evaluation') }}
),

champion as (
    select
        model_name,
        model_kind
    from churn_evaluation
    where is_champion
),

predictions as (
    select
        all_predictions.*,
        champion.model_kind
    from all_predictions
    inner join champion on all_predictions.model_name = champion.model_name
    -- a serving fit without a single training row has no rate to serve (its 0.5 is a
    -- placeholder, not a risk): nobody is scored, and model_status says why
    where all_predictions.model_status is distinct from 'no_training_rows'
),

contributions as (
    select all_contributions.*
    from all_contributions
    inner join champion on all_contributions.model_name = champion.model_name
),

risk_bands as (
    select * from {{ ref('churn_risk_bands') }}
),

churn_reasons as (
    select * from {{ ref('churn_reasons') }}
),

reason_texts as (
    -- features pushing the score up, ranked by contribution (ties by feature order)
    select
        contributions.user_key,
        replace(
            case
                when contributions.standardized_value > 0 then churn_reasons.high_reason else churn_reasons.low_reason
            end,
            '{value}',
            cast(
                cast(
                    case churn_reasons.value_format
                        when 'expm1_integer' then round(exp(contributions.feature_value) - 1)
                        when 'percent' then round(100 * contributions.feature_value)
                        else round(contributions.feature_value)
                    end as bigint
                ) as string
            )
        ) as reason,
        row_number() over (
            partition by contributions.user_key
            order by contributions.contribution desc, contributions.feature_order asc
        ) as reason_rank
    from contributions
    inner join churn_reasons on contributions.feature_name = churn_reasons.feature_name
    where contributions.contribution > 0
),

contribution_reasons as (
    select
        user_key,
        {{ ordered_string_agg('reason', '; ', ['reason_rank']) }} as top_reasons,
        count(*) as reason_count
    from reason_texts
    where reason_rank <= 3
    group by user_key
),

rule_reasons as (
    -- the tree's leaf and the baseline's cell explain the probability in one rule
    select
        user_key,
        rule_text as top_reasons,
        1 as reason_count
    from predictions
    where rule_text is not null
),

top_reasons as (
    select * from contribution_reasons
    union all
    select * from rule_reasons
),

banded as (
    select
        predictions.user_key,
        max(risk_bands.band_order) as band_order
    from predictions
    inner join risk_bands on predictions.churn_probability >= risk_bands.min_probability
    group by predictions.user_key
),

deciles as (
    select
        user_key,
        cast(ntile(10) over (order by churn_probability desc nulls last, user_key asc) as integer) as decile
    from predictions
),

scored as (
    select
        predictions.user_key,
        predictions.snapshot_date as as_of_date,
        predictions.churn_probability,
        predictions.linear_score,
        risk_bands.risk_band,
        deciles.decile,
        predictions.model_name as served_model,
        predictions.model_kind,
        predictions.training_snapshot_date,
        predictions.model_status,
        predictions.model_version,
        cast(coalesce(top_reasons.reason_count, 0) as integer) as reason_count,
        coalesce(top_reasons.top_reasons, '') as top_reasons
    from predictions
    inner join banded on predictions.user_key = banded.user_key
    inner join risk_bands on banded.band_order = risk_bands.band_order
    inner join deciles on predictions.user_key = deciles.user_key
    left join top_reasons on predictions.user_key = top_reasons.user_key
)

select * from scored
order by user_key
