-- Top-N item recommendations for every known person as of as_of_date, from the candidate that
-- won the backtest (recommendation_evaluation.is_champion, `served_model`):
--   item_cf or factorization: the model's `current` list of int_recommendation_lists (item-CF
--       scores from item_neighbors, or user_factors . item_factors), filled from popularity
--       (main category, then overall) when the model has fewer than N candidates (rules there);
--   hybrid: the rank fusion of those two lists with the trending baseline the backtest chose
--       (int_recommendation_hybrid_lists, int_recommendation_trending_choice);
--   a popularity baseline (e.g. popularity_30d, what is selling now): its N first items as of
--       as_of_date that the person may be offered (bought items skipped unless
--       recommend_already_bought), the same rule as in the backtest; a person for whom it has
--       fewer than N such items keeps the item-CF list, whose fill never runs dry.
-- Nobody is left without a list: every known person has a model list (fill included).
-- This mart names the items.

{%- set top_n = typed_var('recommendation_top_n') | int %}
{%- set serve_bought = typed_var('recommend_already_bought') %}

with

current_lists as (
    select * from {{ ref('int_recommendation_lists') }}
    where snapshot_role = 'current'
),

current_hybrid_lists as (
    select * from {{ ref('int_recommendation_hybrid_lists') }}
    where snapshot_role = 'current'
),

evaluation as (
    select * from {{ ref('recommendation_evaluation') }}
),

people as (
    select * from {{ ref('int_recommendation_people') }}
    where snapshot_role = 'current'
),

person_items as (
    select * from {{ ref('int_recommendation_person_items') }}
    where snapshot_role = 'current'
),

items as (
    select * from {{ ref('item_popularity') }}
),

champion as (
    -- item-CF when the backtest had nobody to evaluate
    select coalesce(max(model_name) filter (where is_champion), 'item_cf') as served_model
    from evaluation
),

model_lists as (
    -- the champion's lists when a model won, item-CF's otherwise (the fallback of a baseline)
    select candidate_lists.*
    from (
        -- the two models share their column order (int_recommendation_hybrid_lists follows
        -- int_recommendation_lists)
        select * from current_lists
        union all
        select * from current_hybrid_lists
    ) as candidate_lists
    cross join champion
    where
        candidate_lists.model_name
        = case
            when champion.served_model in ('factorization', 'hybrid') then champion.served_model
            else 'item_cf'
        end
),

baseline_ranks as (
    {{ popularity_baseline_ranks('items') }}
),

champion_ranks as (
    select baseline_ranks.*
    from baseline_ranks
    inner join champion on baseline_ranks.model_name = champion.served_model
),

not_offered as (
    -- items bought up to as_of_date, unless var recommend_already_bought allows them
    select
        people.user_key,
        person_items.item_id
    from person_items
    inner join people on person_items.user_index = people.user_index
    where person_items.is_bought and not {{ serve_bought }}
),

baseline_lists as (
    {{ popularity_lists_excluding('people', 'not_offered', 'champion_ranks', top_n) }}
),

full_baseline_people as (
    select user_key
    from baseline_lists
    group by user_key
    having count(*) = {{ top_n }}
),

served as (
    select
        baseline_lists.user_key,
        baseline_lists.rank,
        baseline_lists.item_id,
        cast(null as double) as score,
        case baseline_lists.model_name
            when 'popularity_lookback' then 'popular'
            else replace(baseline_lists.model_name, 'popularity_', 'trending_')
        end as source,
        cast(null as string) as because_of_item_id
    from baseline_lists
    where
        exists (
            select 1 from full_baseline_people
            where baseline_lists.user_key = full_baseline_people.user_key
        )
    union all
    select
        model_lists.user_key,
        model_lists.rank,
        model_lists.item_id,
        model_lists.score,
        model_lists.source,
        model_lists.because_of_item_id
    from model_lists
    where
        not exists (
            select 1 from full_baseline_people
            where model_lists.user_key = full_baseline_people.user_key
        )
),

described as (
    select
        served.user_key,
        served.rank,
        served.item_id,
        items.item_name,
        items.category,
        served.score,
        served.source,
        served.because_of_item_id,
        because_items.item_name as because_of_item_name,
        champion.served_model
    from served
    cross join champion
    inner join items on served.item_id = items.item_id
    left join items as because_items on served.because_of_item_id = because_items.item_id
)

select * from described
order by user_key, rank
