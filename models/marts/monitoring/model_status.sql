-- One row per model family: whether it could be fitted on this build's data, how many people it
-- scored, and, when it fell back, why in plain words (the build passes either way; a warning
-- test and `make run` name the cause).

with

segmentation_features as (
    select * from {{ ref('int_segmentation_features') }}
),

segment_k_selection as (
    select * from {{ ref('segment_k_selection') }}
),

user_segments as (
    select * from {{ ref('user_segments') }}
),

churn_model as (
    select * from {{ ref('churn_model') }}
),

churn_scores as (
    select * from {{ ref('churn_scores') }}
),

user_item_interactions as (
    select * from {{ ref('user_item_interactions') }}
),

item_neighbors as (
    select * from {{ ref('item_neighbors') }}
),

user_recommendations as (
    select * from {{ ref('user_recommendations') }}
),

as_of as (
    select cast({{ as_of_date() }} as date) as as_of_date
),

segmentation as (
    select
        'segmentation' as model_family,
        case
            when (select count(*) from segmentation_features) = 0 then 'no_buyers'
            when (select max(k) from segment_k_selection where is_chosen) = 1 then 'single_segment'
            else 'fitted'
        end as model_status,
        (select count(*) from user_segments) as people_scored
),

churn as (
    select
        'churn' as model_family,
        coalesce((select min(model_status) from churn_model), 'no_training_rows') as model_status,
        (select count(*) from churn_scores) as people_scored
),

recommendations as (
    select
        'recommendations' as model_family,
        case
            when (select count(*) from user_item_interactions) = 0 then 'no_interactions'
            when (select count(*) from item_neighbors) = 0 then 'popularity_only'
            else 'fitted'
        end as model_status,
        (select count(distinct user_key) from user_recommendations) as people_scored
),

families as (
    select * from segmentation
    union all
    select * from churn
    union all
    select * from recommendations
),

explained as (
    select
        families.model_family,
        families.model_status,
        families.people_scored,
        as_of.as_of_date,
        case families.model_status
            when 'fitted' then 'fitted on this build''s data'
            when 'no_buyers' then
                'no person has a purchase in the lookback window ending on as_of_date: segments are empty '
                || '(check as_of_date and lookback_days against the dates of your events)'
            when 'single_segment' then 'fewer than 3 distinct buyers: everyone is in one segment'
            when 'no_training_rows' then
                'no person was active before the training snapshot (as_of_date - 2 x churn_horizon_days): '
                || 'churn scores are empty or the base rate; more history is needed'
            when 'too_few_rows' then
                'fewer training rows than churn_min_training_rows: everyone gets the base churn rate'
            when 'single_class' then
                'everyone in training churned (or nobody did): everyone gets the base churn rate'
            when 'no_interactions' then
                'no views, carts or purchases in the lookback window: no recommendations'
            when 'popularity_only' then
                'no two people share an item: recommendations are popular items only'
        end as status_message
    from families
    cross join as_of
)

select * from explained
order by model_family
