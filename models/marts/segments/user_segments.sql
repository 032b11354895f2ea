-- Every buyer of the lookback window assigned to the nearest K-means centroid of segment_model,
-- computed in SQL: standardise each feature with the training mean/std, squared Euclidean
-- distance to every centroid, smallest distance wins (ties to the lower segment_id).

with

segmentation_features as (
    select * from {{ ref('int_segmentation_features') }}
),

segment_model as (
    select * from {{ ref('segment_model') }}
),

segment_names as (
    select * from {{ ref('int_segment_names') }}
),

feature_values as (
    {{ unpivot_columns(
        'segmentation_features', ref('int_segmentation_features'), ['user_key'], 'feature_name', 'feature_value'
    ) }}
),

distances as (
    select
        feature_values.user_key,
        segment_model.segment_id,
        sqrt(
            {{ ordered_sum(
                'pow('
                ~ standardize('feature_values.feature_value', 'segment_model.feature_mean', 'segment_model.feature_std')
                ~ ' - segment_model.centroid_standardized, 2)',
                'segment_model.feature_order',
            ) }}
        ) as distance_to_centroid
    from feature_values
    inner join segment_model on feature_values.feature_name = segment_model.feature_name
    group by feature_values.user_key, segment_model.segment_id
),

nearest as (
    select
        user_key,
        segment_id,
        distance_to_centroid,
        row_number() over (
            partition by user_key
            order by distance_to_centroid asc nulls last, segment_id asc
        ) as distance_rank
    from distances
),

assigned as (
    select
        nearest.user_key,
        nearest.segment_id,
        segment_names.segment_name,
        nearest.distance_to_centroid,
        segment_names.model_version
    from nearest
    inner join segment_names on nearest.segment_id = segment_names.segment_id
    where nearest.distance_rank = 1
)

select * from assigned
order by user_key
