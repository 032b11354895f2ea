-- Historical and expected value of every known person as of as_of_date, and a value tier by
-- expected 12-month net revenue (tiers and their cut-offs in seed value_tiers). The expected
-- revenue is the method that won the CLV backtest (clv_evaluation.is_value_champion):
-- `bg_nbd_gamma_gamma` = clv_12m of clv_scores, or the former estimate `spend_rate_x_retention`
-- = the annualised spend rate of the lookback window × (1 - churn probability).

with

user_features as (
    select * from {{ ref('user_features') }}
),

value_tiers as (
    select * from {{ ref('value_tiers') }}
),

churn_scores as (
    select * from {{ ref('churn_scores') }}
),

clv_scores as (
    select * from {{ ref('clv_scores') }}
),

clv_evaluation as (
    select * from {{ ref('clv_evaluation') }}
),

value_method as (
    select
        case
            when coalesce(bool_or(is_value_champion and model_name = 'bg_nbd_gamma_gamma'), false)
                then 'bg_nbd_gamma_gamma'
            else 'spend_rate_x_retention'
        end as expected_value_method
    from clv_evaluation
),

estimates as (
    select
        user_features.user_key,
        user_features.snapshot_date as as_of_date,
        user_features.lifetime_revenue,
        user_features.monetary,
        user_features.frequency,
        cast(coalesce(1 - churn_scores.churn_probability, 0) as double) as probability_active_12m,
        {{ double_to_decimal(
            'cast(greatest(user_features.monetary, 0) as double) / ' ~ typed_var('lookback_days') ~ ' * 365'
            ~ ' * coalesce(1 - churn_scores.churn_probability, 0)',
            18, 4,
        ) }} as spend_rate_estimate,
        clv_scores.clv_12m,
        clv_scores.p_alive,
        value_method.expected_value_method
    from user_features
    cross join value_method
    left join churn_scores on user_features.user_key = churn_scores.user_key
    left join clv_scores on user_features.user_key = clv_scores.user_key
),

served as (
    select
        *,
        case
            when expected_value_method = 'bg_nbd_gamma_gamma'
                then {{ double_to_decimal('greatest(coalesce(clv_12m, 0), 0)', 18, 4) }}
            else spend_rate_estimate
        end as expected_12m_revenue
    from estimates
),

ranked as (
    select
        *,
        {{ value_position('expected_12m_revenue') }} as value_position
    from served
),

tiers as (
    {{ value_tier_assignment('ranked', 'user_key', 'value_position', 'value_tiers') }}
),

valued as (
    -- the table's documented column order (tier beside its position)
    select  -- noqa: ST06
        ranked.user_key,
        ranked.as_of_date,
        ranked.lifetime_revenue,
        ranked.monetary,
        ranked.frequency,
        ranked.value_position,
        tiers.value_tier,
        tiers.value_tier_order,
        ranked.probability_active_12m,
        ranked.p_alive,
        ranked.clv_12m,
        ranked.spend_rate_estimate,
        ranked.expected_12m_revenue,
        ranked.expected_value_method
    from ranked
    inner join tiers on ranked.user_key = tiers.user_key
)

select * from valued
order by user_key
