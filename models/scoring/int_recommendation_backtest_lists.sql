-- The backtested top-N lists for every person evaluated by the backtest, built as of the cutoff
-- (as_of_date - recommendation_backtest_days) from data up to it only:
--   item_cf, factorization: the model-based recommenders (the recommendation_backtest lists
--               of int_recommendation_lists: item_neighbors_backtest or the factors fitted up
--               to the cutoff, with the popularity fill), built by the same SQL as the served lists
--   hybrid: their rank fusion with the trending baseline (int_recommendation_hybrid_lists)
--   popularity baselines, no model (int_recommendation_baseline_lists)
-- each in both modes: exclude_bought (never an item bought on or before the cutoff) and
-- include_bought (already-bought items allowed).

with

model_lists as (
    select * from {{ ref('int_recommendation_lists') }}
    where snapshot_role = 'recommendation_backtest'
),

hybrid_lists as (
    select * from {{ ref('int_recommendation_hybrid_lists') }}
    where snapshot_role = 'recommendation_backtest'
),

baseline_lists as (
    select * from {{ ref('int_recommendation_baseline_lists') }}
),

lists as (
    select
        model_name,
        evaluation_mode,
        user_key,
        item_id,
        rank
    from model_lists
    union all
    select
        model_name,
        evaluation_mode,
        user_key,
        item_id,
        rank
    from hybrid_lists
    union all
    select
        model_name,
        evaluation_mode,
        user_key,
        item_id,
        rank
    from baseline_lists
)

select * from lists
order by model_name, evaluation_mode, user_key, rank
