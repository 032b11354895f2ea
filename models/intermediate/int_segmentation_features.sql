-- The segmentation population and its candidate features: every person with at least one
-- purchase order in the lookback window, one double column per feature (skewed ones already
-- log-transformed in int_user_features_snapshots). The K-means models pick their features from these columns
-- by name (YAML config `features`); the SQL scoring unpivots whatever columns are here.

with

user_features as (
    {#- the current snapshot (what the user_features mart publishes) #}
    {{ rows_at_snapshot(
        ref('int_user_features_snapshots'),
        ref('int_feature_snapshots'),
        'current',
    ) }}
),

buyers as (
    select
        user_key,
        cast(log1p_recency_days as double) as log1p_recency_days,
        cast(log1p_frequency as double) as log1p_frequency,
        cast(log1p_monetary as double) as log1p_monetary,
        cast(log1p_average_order_value as double) as log1p_average_order_value,
        cast(log1p_tenure_days as double) as log1p_tenure_days,
        cast(discount_rate as double) as discount_rate,
        cast(view_to_purchase_rate as double) as view_to_purchase_rate,
        cast(refund_rate as double) as refund_rate,
        cast(top_category_share as double) as top_category_share,
        cast(distinct_categories_purchased as double) as distinct_categories_purchased,
        cast(active_days_90 as double) as active_days_90,
        cast(log1p_active_days_90 as double) as log1p_active_days_90
    from user_features
    where is_buyer_in_window
)

select * from buyers
order by user_key
