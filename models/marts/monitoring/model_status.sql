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

churn_evaluation as (
    select * from {{ ref('churn_evaluation') }}
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

clv_fits as (
    select * from {{ ref('int_clv_fits') }}
),

clv_scores as (
    select * from {{ ref('clv_scores') }}
),

recommendation_evaluation as (
    select * from {{ ref('recommendation_evaluation') }}
),

as_of as (
    select as_of_date from {{ ref('int_analysis_date') }}
),

status_messages as (
    select
        messages.model_status,
        messages.status_message
    from (
        values
        ('fitted', 'fitted on this build''s data'),
        (
            'no_backtest',
            'fitted on this build''s data, but its backtest had nothing to learn from or judge (too '
            || 'little history before the backtest''s snapshot): what serves was not checked out of '
            || 'time; see the family''s evaluation table'
        ),
        (
            'no_buyers',
            'no person has a purchase in the lookback window ending on as_of_date: segments are '
            || 'empty (check as_of_date and lookback_days against the dates of your events)'
        ),
        ('single_segment', 'fewer than 3 distinct buyers: everyone is in one segment'),
        (
            'no_training_rows',
            'no person was active before the serving fit''s training snapshot (as_of_date - '
            || 'churn_horizon_days): nobody gets a churn score; more history is needed'
        ),
        ('too_few_rows', 'fewer training rows than churn_min_training_rows: everyone gets the base churn rate'),
        ('single_class', 'everyone in training churned (or nobody did): everyone gets the base churn rate'),
        ('no_interactions', 'no views, carts or purchases in the lookback window: no recommendations'),
        ('popularity_only', 'no two people share an item: recommendations are popular items only'),
        (
            'no_customers',
            'no person has a purchase on or before as_of_date: CLV scores are empty'
        ),
        (
            'too_few_repeat_customers',
            'fewer repeat buyers than clv_min_repeat_customers: BG/NBD is not fitted and CLV scores are NULL'
        ),
        ('not_converged', 'the BG/NBD fit did not converge from any starting point: CLV scores are NULL')
    ) as messages (model_status, status_message)
),

segment_chosen_k as (
    select max(k) as chosen_k
    from segment_k_selection
    where is_chosen
),

segmentation as (
    select
        'segmentation' as model_family,
        case
            when (select count(*) from segmentation_features) = 0 then 'no_buyers'
            when (select chosen_k from segment_chosen_k) = 1 then 'single_segment'
            else 'fitted'
        end as model_status,
        (select count(*) from user_segments) as people_scored
),

churn_fit_statuses as (
    select
        -- the serving fit of the candidate churn_scores serves
        coalesce(min(serving_model_status) filter (where is_champion), 'no_training_rows') as serving_status,
        coalesce(bool_or(backtest_model_status = 'fitted'), false) as has_backtest_fit
    from churn_evaluation
),

churn as (
    select
        'churn' as model_family,
        case
            when churn_fit_statuses.serving_status != 'fitted' then churn_fit_statuses.serving_status
            when not churn_fit_statuses.has_backtest_fit then 'no_backtest'
            else 'fitted'
        end as model_status,
        (select count(*) from churn_scores) as people_scored
    from churn_fit_statuses
),

recommendations as (
    select
        'recommendations' as model_family,
        case
            when (select count(*) from user_item_interactions) = 0 then 'no_interactions'
            when (select count(*) from item_neighbors) = 0 then 'popularity_only'
            when (select count(*) from recommendation_evaluation) = 0 then 'no_backtest'
            else 'fitted'
        end as model_status,
        (select count(distinct user_key) from user_recommendations) as people_scored
),

clv_fit_statuses as (
    select
        coalesce(min(bg_nbd_status) filter (where fit_role = 'serving'), 'no_customers') as serving_status,
        coalesce(min(bg_nbd_status) filter (where fit_role = 'backtest'), 'no_customers') as backtest_status
    from clv_fits
),

clv as (
    select
        'clv' as model_family,
        case
            when clv_fit_statuses.serving_status != 'fitted' then clv_fit_statuses.serving_status
            when clv_fit_statuses.backtest_status != 'fitted' then 'no_backtest'
            else 'fitted'
        end as model_status,
        (select count(clv_scores.p_alive) from clv_scores) as people_scored
    from clv_fit_statuses
),

families as (
    select * from segmentation
    union all
    select * from churn
    union all
    select * from clv
    union all
    select * from recommendations
),

explained as (
    select
        families.model_family,
        families.model_status,
        families.people_scored,
        as_of.as_of_date,
        status_messages.status_message
    from families
    cross join as_of
    left join status_messages on families.model_status = status_messages.model_status
)

select * from explained
order by model_family
