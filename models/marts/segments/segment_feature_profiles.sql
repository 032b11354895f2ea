-- Per K-means segment and model feature: the centroid, and the mean and median of the feature
-- over the segment's members, in the feature's own units.

with

user_segments as (
    select * from {{ ref('user_segments') }}
),

segmentation_features as (
    select * from {{ ref('int_segmentation_features') }}
),

segment_model as (
    select * from {{ ref('segment_model') }}
),

feature_values as (
    {{ unpivot_columns(
        'segmentation_features', ref('int_segmentation_features'), ['user_key'], 'feature_name', 'feature_value'
    ) }}
),

member_values as (
    select
        user_segments.segment_id,
        feature_values.user_key,
        feature_values.feature_name,
        feature_values.feature_value
    from feature_values
    inner join user_segments on feature_values.user_key = user_segments.user_key
),

aggregated as (
    select
        segment_model.segment_id,
        segment_model.feature_name,
        segment_model.feature_order,
        segment_model.centroid_original,
        segment_model.centroid_standardized,
        {{ ordered_avg('member_values.feature_value', 'member_values.user_key') }} as mean_value,
        median(member_values.feature_value) as median_value
    from segment_model
    left join member_values
        on
            segment_model.segment_id = member_values.segment_id
            and segment_model.feature_name = member_values.feature_name
    group by all
)

select * from aggregated
order by segment_id, feature_order
