-- The backtested top-N lists for every person evaluated by the backtest, built as of the cutoff
-- (as_of_date - recommendation_backtest_days) from data up to it only:
--   item_cf:    the served recommender (the recommendation_backtest lists of
--               int_recommendation_lists: item_neighbors_backtest with the popularity fill),
--               built by the same SQL as the served lists
--   popularity baselines, no model: the N most popular items at the cutoff by distinct buyers
--       whose last purchase of the item fell in the last 7, 30 or 90 days (`popularity_7d`,
--       `popularity_30d`, `popularity_90d`; trending), in the whole lookback window
--       (`popularity_lookback`), or weighted by 0.5^(days since / popularity_half_life_days)
--       (`popularity_decayed`). Every baseline ranks the same items, those with a buyer in the
--       lookback window, ties (and items without a buyer in the shorter window) by the lookback
--       popularity rank, so no baseline list is shorter than another.
-- each in both modes: exclude_bought (never an item bought on or before the cutoff) and
-- include_bought (already-bought items allowed).

{%- set top_n = typed_var('recommendation_top_n') | int %}

with

backtest_popularity as (
    select * from {{ ref('int_recommendation_backtest_popularity') }}
),

backtest_lists as (
    select * from {{ ref('int_recommendation_lists') }}
    where snapshot_role = 'recommendation_backtest'
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
    -- item-CF lists exclude)
    select
        backtest_people.user_key,
        backtest_person_items.item_id
    from backtest_person_items
    inner join backtest_people on backtest_person_items.user_index = backtest_people.user_index
    where backtest_person_items.is_bought
),

bought_before as (
    select
        user_key,
        count(*) as bought_items
    from bought_items_before
    group by user_key
),

offerable as (
    -- the items a baseline may offer (non-merchandise codes and unknown items take no places)
    select *
    from backtest_popularity
    where is_known_item and is_merchandise and buyers > 0
),

baseline_scores as (
    select
        'popularity_7d' as model_name,
        item_id,
        cast(buyers_7d as double) as baseline_score,
        popularity_rank as lookback_rank
    from offerable
    union all
    select
        'popularity_30d' as model_name,
        item_id,
        cast(buyers_30d as double) as baseline_score,
        popularity_rank as lookback_rank
    from offerable
    union all
    select
        'popularity_90d' as model_name,
        item_id,
        cast(buyers_90d as double) as baseline_score,
        popularity_rank as lookback_rank
    from offerable
    union all
    select
        'popularity_lookback' as model_name,
        item_id,
        cast(buyers as double) as baseline_score,
        popularity_rank as lookback_rank
    from offerable
    union all
    select
        'popularity_decayed' as model_name,
        item_id,
        cast(decayed_buyers as double) as baseline_score,
        popularity_rank as lookback_rank
    from offerable
),

popular_items as (
    select
        model_name,
        item_id,
        row_number() over (
            partition by model_name order by baseline_score desc, lookback_rank asc
        ) as popularity_rank
    from baseline_scores
),

candidate_ranks as (
    -- the ranks a person can use: N, plus one per item they may not be offered (generated per
    -- person, so the join below is an equality, not every person against every item)
    select
        evaluated_users.user_key,
        unnest(range(1, {{ top_n }} + coalesce(bought_before.bought_items, 0) + 1)) as popularity_rank
    from evaluated_users
    left join bought_before on evaluated_users.user_key = bought_before.user_key
),

popularity_candidates as (
    select
        popular_items.model_name,
        candidate_ranks.user_key,
        popular_items.item_id,
        popular_items.popularity_rank
    from candidate_ranks
    inner join popular_items on candidate_ranks.popularity_rank = popular_items.popularity_rank
),

popularity_excluding_bought as (
    select
        popularity_candidates.model_name,
        popularity_candidates.user_key,
        popularity_candidates.item_id,
        row_number() over (
            partition by popularity_candidates.model_name, popularity_candidates.user_key
            order by popularity_candidates.popularity_rank asc
        ) as rank
    from popularity_candidates
    anti join bought_items_before
        on
            popularity_candidates.user_key = bought_items_before.user_key
            and popularity_candidates.item_id = bought_items_before.item_id
),

lists as (
    select
        'item_cf' as model_name,
        evaluation_mode,
        user_key,
        item_id,
        rank
    from backtest_lists
    union all
    select
        model_name,
        'exclude_bought' as evaluation_mode,
        user_key,
        item_id,
        rank
    from popularity_excluding_bought
    where rank <= {{ top_n }}
    union all
    select
        model_name,
        'include_bought' as evaluation_mode,
        user_key,
        item_id,
        popularity_rank as rank
    from popularity_candidates
    where popularity_rank <= {{ top_n }}
)

select * from lists
order by model_name, evaluation_mode, user_key, rank
