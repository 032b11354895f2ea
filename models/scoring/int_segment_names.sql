-- A human-readable, deterministic and unique name per K-means segment, derived from its
-- centroid: the labels (seed segment_feature_labels) of its three most distinctive features,
-- i.e. those with the largest |standardised centroid|, "high" label when above the mean and
-- "low" label below. Ties by feature order. A name shared by several segments gets the next
-- most distinctive feature's label, and finally the segment id, appended.

with

segment_model as (
    select * from {{ ref('segment_model') }}
),

labels as (
    select * from {{ ref('segment_feature_labels') }}
),

labelled as (
    select
        segment_model.segment_id,
        segment_model.model_version,
        segment_model.feature_order,
        abs(segment_model.centroid_standardized) as distinctiveness,
        case
            when segment_model.centroid_standardized >= 0
                then coalesce(labels.high_label, 'high ' || segment_model.feature_name)
            else coalesce(labels.low_label, 'low ' || segment_model.feature_name)
        end as feature_label
    from segment_model
    left join labels on segment_model.feature_name = labels.feature_name
),

ranked as (
    select
        *,
        row_number() over (
            partition by segment_id order by distinctiveness desc, feature_order asc
        ) as label_rank
    from labelled
),

first_names as (
    select
        segment_id,
        any_value(model_version) as model_version,
        {{ ordered_string_agg('feature_label', ', ', ['label_rank'], 'label_rank <= 3') }} as base_name,
        {{ ordered_string_agg('feature_label', ', ', ['label_rank'], 'label_rank <= 4') }} as longer_name
    from ranked
    group by segment_id
),

deduplicated as (
    select
        segment_id,
        model_version,
        case
            when count(*) over (partition by base_name) = 1 then base_name
            when count(*) over (partition by longer_name) = 1 then longer_name
            else longer_name || ' #' || cast(segment_id as string)
        end as segment_name
    from first_names
)

select * from deduplicated
order by segment_id
