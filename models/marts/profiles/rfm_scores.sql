-- RFM scores of every person with at least one purchase in the lookback window ending on
-- as_of_date, with the named marketing segment of their cell.

with

user_features as (
    select * from {{ ref('user_features') }}
),

rfm_segments as (
    select * from {{ ref('rfm_segments') }}
),

buyers as (
    select
        user_key,
        snapshot_date as as_of_date,
        recency_days,
        frequency,
        monetary
    from user_features
    where is_buyer_in_window
),

scored as (
    select
        *,
        {{ tie_aware_quintile('recency_days', higher_is_better=false) }} as r_score,
        {{ tie_aware_quintile('frequency') }} as f_score,
        {{ tie_aware_quintile('monetary') }} as m_score
    from buyers
),

segmented as (
    select
        scored.*,
        rfm_segments.rfm_segment,
        cast(scored.r_score as string)
        || cast(scored.f_score as string)
        || cast(scored.m_score as string) as rfm_cell
    from scored
    left join rfm_segments
        on
            scored.r_score = rfm_segments.r_score
            and scored.f_score = rfm_segments.f_score
            and scored.m_score = rfm_segments.m_score
)

select * from segmented
order by user_key
