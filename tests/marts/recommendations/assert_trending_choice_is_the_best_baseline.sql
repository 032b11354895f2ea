-- The hybrid's trending component is the champion rule (macro simplest_best_hit_rate) applied
-- to the baselines' rows of recommendation_evaluation: in each mode with evaluated people, the
-- chosen baseline is the one the rule picks from those rows, with the hit rate reported there
-- (the choice computes its own). Returns a row per broken mode.

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

expected as (
    {{ simplest_best_hit_rate('baselines', tolerance) }}
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
