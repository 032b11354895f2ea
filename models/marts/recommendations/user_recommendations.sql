-- Top-N item recommendations for every known person as of as_of_date, from the candidate that
-- won the backtest (recommendation_evaluation.is_champion, `served_model`):
--   item_cf: item-CF scores from item_neighbors over the person's interactions, filled from
--       popularity (main category, then overall) when item-CF has fewer than N candidates; the
--       lists are built in int_recommendation_lists (the `current` list; rules there);
--   a popularity baseline (e.g. popularity_30d, what is selling now): its N first items as of
--       as_of_date that the person may be offered (bought items skipped unless
--       recommend_already_bought), the same rule as in the backtest; a person for whom it has
--       fewer than N such items keeps the item-CF list, whose fill never runs dry.
-- This mart names the items.

{%- set top_n = typed_var('recommendation_top_n') | int %}
{%- set serve_bought = typed_var('recommend_already_bought') %}

with

item_cf_lists as (
    select * from {{ ref('int_recommendation_lists') }}
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
        cast(null as varchar) as because_of_item_id
    from baseline_lists
    semi join full_baseline_people on baseline_lists.user_key = full_baseline_people.user_key
    union all
    select
        item_cf_lists.user_key,
        item_cf_lists.rank,
        item_cf_lists.item_id,
        item_cf_lists.score,
        item_cf_lists.source,
        item_cf_lists.because_of_item_id
    from item_cf_lists
    anti join full_baseline_people on item_cf_lists.user_key = full_baseline_people.user_key
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
