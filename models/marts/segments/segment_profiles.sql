-- One row per K-means segment: size, share, revenue share, business metrics in original units,
-- the dominant RFM segment and the automatic name.

with

user_segments as (
    select * from {{ ref('user_segments') }}
),

user_features as (
    select * from {{ ref('user_features') }}
),

rfm_scores as (
    select * from {{ ref('rfm_scores') }}
),

segment_members as (
    select
        user_segments.segment_id,
        user_segments.segment_name,
        user_segments.user_key,
        user_features.recency_days,
        user_features.frequency,
        user_features.monetary,
        user_features.average_order_value,
        user_features.discount_rate,
        user_features.tenure_days,
        user_features.view_to_purchase_rate,
        rfm_scores.rfm_segment
    from user_segments
    inner join user_features on user_segments.user_key = user_features.user_key
    left join rfm_scores on user_segments.user_key = rfm_scores.user_key
),

rfm_mix as (
    select
        segment_id,
        rfm_segment,
        row_number() over (partition by segment_id order by count(*) desc, rfm_segment asc nulls last) as rfm_rank
    from segment_members
    group by segment_id, rfm_segment
),

summary as (
    select
        segment_id,
        cast(sum(monetary) as decimal(18, 4)) as revenue,
        cast({{ avg_as_double('monetary') }} as double) as mean_monetary,
        cast(median(monetary) as double) as median_monetary,
        cast({{ avg_as_double('average_order_value') }} as double) as mean_average_order_value,
        any_value(segment_name) as segment_name,
        count(*) as user_count,
        avg(recency_days) as mean_recency_days,
        median(recency_days) as median_recency_days,
        avg(frequency) as mean_frequency,
        median(frequency) as median_frequency,
        {{ ordered_avg('discount_rate', 'user_key') }} as mean_discount_rate,
        avg(tenure_days) as mean_tenure_days,
        {{ ordered_avg('view_to_purchase_rate', 'user_key') }} as mean_view_to_purchase_rate
    from segment_members
    group by segment_id
),

profiled as (
    select
        summary.segment_id,
        summary.segment_name,
        summary.user_count,
        summary.mean_recency_days,
        summary.median_recency_days,
        summary.mean_frequency,
        summary.median_frequency,
        summary.revenue,
        summary.mean_monetary,
        summary.median_monetary,
        summary.mean_average_order_value,
        summary.mean_discount_rate,
        summary.mean_tenure_days,
        summary.mean_view_to_purchase_rate,
        rfm_mix.rfm_segment as dominant_rfm_segment,
        summary.user_count / sum(summary.user_count) over () as user_share,
        coalesce(cast(summary.revenue as double) / nullif(sum(summary.revenue) over (), 0), 0) as revenue_share
    from summary
    left join rfm_mix on summary.segment_id = rfm_mix.segment_id and rfm_mix.rfm_rank = 1
)

select * from profiled
order by segment_id
