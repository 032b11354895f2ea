-- The popularity baselines' lists at the backtest cutoff (as_of_date -
-- recommendation_backtest_days), for every person the backtest evaluates, built from data up to
-- the cutoff and needing no model: the N most popular items by distinct buyers whose last
-- purchase of the item fell in the last 7, 30 or 90 days (`popularity_7d`, `popularity_30d`,
-- `popularity_90d`; trending), in the whole lookback window (`popularity_lookback`), or weighted
-- by 0.5^(days since / popularity_half_life_days) (`popularity_decayed`). Every baseline ranks
-- the same items, those with a buyer in the lookback window, ties (and items without a buyer in
-- the shorter window) by the lookback popularity rank, so no baseline list is shorter than
-- another. Both modes: exclude_bought (never an item bought on or before the cutoff) and
-- include_bought (already-bought items allowed).

{%- set top_n = typed_var('recommendation_top_n') | int %}

with

backtest_popularity as (
    select * from {{ ref('int_recommendation_backtest_popularity') }}
),

backtest_people as (
    select * from {{ ref('int_recommendation_people') }}
    where snapshot_role = 'recommendation_backtest'
),

backtest_person_items as (
    select * from {{ ref('int_recommendation_person_items') }}
    where snapshot_role = 'recommendation_backtest'
),

evaluated_users as (
    -- the people the backtest evaluates, as int_recommendation_people lists them
    select user_key from backtest_people
),

bought_items_before as (
    -- bought on or before the cutoff (int_recommendation_person_items, the same rows the
    -- model lists exclude)
    select
        backtest_people.user_key,
        backtest_person_items.item_id
    from backtest_person_items
    inner join backtest_people on backtest_person_items.user_index = backtest_people.user_index
    where backtest_person_items.is_bought
),

popular_items as (
    {{ popularity_baseline_ranks('backtest_popularity') }}
),

popularity_excluding_bought as (
    {{ popularity_lists_excluding('evaluated_users', 'bought_items_before', 'popular_items', top_n) }}
),

popularity_including_bought as (
    select
        popular_items.model_name,
        evaluated_users.user_key,
        popular_items.item_id,
        popular_items.popularity_rank as rank
    from evaluated_users
    cross join popular_items
    where popular_items.popularity_rank <= {{ top_n }}
),

lists as (
    select
        model_name,
        'exclude_bought' as evaluation_mode,
        user_key,
        item_id,
        rank
    from popularity_excluding_bought
    union all
    select
        model_name,
        'include_bought' as evaluation_mode,
        user_key,
        item_id,
        rank
    from popularity_including_bought
)

select * from lists
order by model_name, evaluation_mode, user_key, rank
