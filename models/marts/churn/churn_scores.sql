-- Churn risk of every person in the churn population at as_of_date (a purchase order in the
-- lookback window), scored in SQL from churn_model: probability, risk band, decile and the
-- features that push the risk up most, in plain words.

with

predictions as (
    select * from {{ ref('int_churn_predictions') }}
    where snapshot_role = 'score'
),

contributions as (
    select * from {{ ref('int_churn_contributions') }}
    where snapshot_role = 'score'
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
                ) as varchar
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

top_reasons as (
    select
        user_key,
        string_agg(reason, '; ' order by reason_rank) as top_reasons,
        count(*) as reason_count
    from reason_texts
    where reason_rank <= 3
    group by user_key
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
        cast(ntile(10) over (order by churn_probability desc, user_key asc) as integer) as decile
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
