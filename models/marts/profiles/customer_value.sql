-- Historical and expected value of every known person as of as_of_date, with a value tier by
-- net revenue in the lookback window (tiers and their cut-offs in seed value_tiers), and the
-- expected 12-month revenue: the annualised spend rate of the window × (1 - churn probability).

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

ranked as (
    -- position among people with positive net revenue: share of them with strictly more revenue
    select
        user_key,
        snapshot_date as as_of_date,
        lifetime_revenue,
        monetary,
        frequency,
        case
            when monetary > 0
                then
                    (rank() over (order by case when monetary > 0 then monetary end desc nulls last) - 1)
                    / count(*) filter (where monetary > 0) over ()
        end as value_position
    from user_features
),

tiered as (
    select
        ranked.user_key,
        min(value_tiers.tier_order) as tier_order
    from ranked
    inner join value_tiers on ranked.value_position < value_tiers.top_share
    group by ranked.user_key
),

valued as (
    select
        ranked.user_key,
        ranked.as_of_date,
        ranked.lifetime_revenue,
        ranked.monetary,
        ranked.frequency,
        ranked.value_position,
        coalesce(value_tiers.value_tier, 'no_value') as value_tier,
        coalesce(value_tiers.tier_order, 99) as value_tier_order,
        cast(coalesce(1 - churn_scores.churn_probability, 0) as double) as probability_active_12m,
        cast(
            greatest(ranked.monetary, 0) / {{ typed_var('lookback_days') }} * 365
            * coalesce(1 - churn_scores.churn_probability, 0)
            as decimal(18, 4)
        ) as expected_12m_revenue,
        'spend_rate_x_retention' as expected_value_method
    from ranked
    left join tiered on ranked.user_key = tiered.user_key
    left join value_tiers on tiered.tier_order = value_tiers.tier_order
    left join churn_scores on ranked.user_key = churn_scores.user_key
)

select * from valued
order by user_key
