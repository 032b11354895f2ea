-- The hybrid's trending component is the champion rule applied to the baselines of
-- recommendation_evaluation: in each mode with evaluated people, the chosen baseline's hit
-- rate is its row's there, it is within recommendation_champion_tolerance of the best
-- baseline, and no simpler baseline (lower candidate_order) is. Returns a row per broken mode.

{%- set tolerance = typed_var('recommendation_champion_tolerance') | float %}

with

trending_choice as (
    select * from {{ ref('int_recommendation_trending_choice') }}
),

recommendation_evaluation as (
    select * from {{ ref('recommendation_evaluation') }}
),

baselines as (
    select
        evaluation_mode,
        model_name,
        candidate_order,
        hit_rate
    from recommendation_evaluation
    where model_kind = 'baseline'
),

best as (
    select
        evaluation_mode,
        max(hit_rate) as best_hit_rate
    from baselines
    group by evaluation_mode
),

expected as (
    select
        baselines.evaluation_mode,
        baselines.model_name,
        baselines.hit_rate
    from baselines
    inner join best on baselines.evaluation_mode = best.evaluation_mode
    where baselines.hit_rate >= best.best_hit_rate - {{ tolerance }}
    qualify row_number() over (partition by baselines.evaluation_mode order by baselines.candidate_order) = 1
),

broken as (
    select
        expected.evaluation_mode,
        expected.model_name as expected_model_name,
        trending_choice.model_name as chosen_model_name,
        expected.hit_rate as expected_hit_rate,
        trending_choice.hit_rate as chosen_hit_rate
    from expected
    left join trending_choice on expected.evaluation_mode = trending_choice.evaluation_mode
    where
        trending_choice.model_name is distinct from expected.model_name
        or trending_choice.hit_rate is distinct from expected.hit_rate
)

select * from broken
