-- One row per known person as of as_of_date: everything a CRM or BI tool needs about them, from
-- the profile, value, CLV, RFM, K-means, churn and recommendation marts. Pseudonymous: user_key only.

with

user_features as (
    select * from {{ ref('user_features') }}
),

users as (
    select * from {{ ref('int_users_deduplicated') }}
),

customer_value as (
    select * from {{ ref('customer_value') }}
),

rfm_scores as (
    select * from {{ ref('rfm_scores') }}
),

user_segments as (
    select * from {{ ref('user_segments') }}
),

churn_scores as (
    select * from {{ ref('churn_scores') }}
),

user_recommendations as (
    select * from {{ ref('user_recommendations') }}
),

clv_scores as (
    select * from {{ ref('clv_scores') }}
),

top_recommendations as (
    select
        user_key,
        {{ ordered_list('item_id', 'rank') }} as top_3_item_ids,
        {{ ordered_string_agg('coalesce(item_name, item_id)', '; ', ['rank']) }} as top_3_item_names
    from user_recommendations
    where rank <= 3
    group by user_key
),

profile as (
    select
        user_features.user_key,
        user_features.snapshot_date as as_of_date,
        customer_value.value_tier,
        rfm_scores.rfm_cell,
        rfm_scores.rfm_segment,
        user_segments.segment_name as kmeans_segment,
        churn_scores.churn_probability,
        churn_scores.risk_band as churn_risk_band,
        churn_scores.top_reasons as churn_top_reasons,
        customer_value.expected_12m_revenue,
        clv_scores.p_alive,
        clv_scores.expected_purchases_90d,
        clv_scores.clv_12m,
        customer_value.monetary as net_revenue_in_window,
        customer_value.lifetime_revenue,
        user_features.frequency as orders_in_window,
        user_features.recency_days,
        top_recommendations.top_3_item_ids as recommended_item_ids,
        top_recommendations.top_3_item_names as recommended_item_names,
        users.acquisition_channel,
        user_features.main_channel,
        users.city,
        user_features.tenure_days,
        user_features.days_since_signup,
        users.has_email,
        users.has_phone
    from user_features
    left join users on user_features.user_key = users.user_key
    left join customer_value on user_features.user_key = customer_value.user_key
    left join rfm_scores on user_features.user_key = rfm_scores.user_key
    left join user_segments on user_features.user_key = user_segments.user_key
    left join churn_scores on user_features.user_key = churn_scores.user_key
    left join top_recommendations on user_features.user_key = top_recommendations.user_key
    left join clv_scores on user_features.user_key = clv_scores.user_key
)

select * from profile
order by user_key
