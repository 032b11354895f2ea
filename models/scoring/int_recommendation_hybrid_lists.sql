-- The hybrid recommender: for every list of int_recommendation_lists (role and mode) and person,
-- a reciprocal rank fusion (Cormack, Clarke and Buettcher 2009) of three top-N lists of the
-- same person and list: item-CF and factorization (each already filled from the person's main
-- category, then overall popularity) and the recency-decayed popularity baseline
-- (`popularity_decayed`, what is selling now; bought items skipped exactly as the other lists
-- do). An item's fused score is the sum over the lists that hold it of 1 / (60 + its rank
-- there), summed exactly (decimals); the N best form the list, ties by the best single rank,
-- then item id. No weight is fitted, so nothing is tuned to the backtest it is judged by.
-- because_of_item_id is item-CF's when item-CF listed the item, else the factorization's. The columns follow
-- int_recommendation_lists (user_recommendations unions the two).

{%- set top_n = typed_var('recommendation_top_n') | int %}
{%- set serve_bought = typed_var('recommend_already_bought') %}

with

model_lists as (
    select * from {{ ref('int_recommendation_lists') }}
    where model_name in ('item_cf', 'factorization')
),

people as (
    select * from {{ ref('int_recommendation_people') }}
),

person_items as (
    select * from {{ ref('int_recommendation_person_items') }}
),

current_popularity as (
    {{ rows_at_snapshot(
        ref('int_item_popularity_snapshots'),
        ref('int_feature_snapshots'),
        'current',
        drop_date=true,
    ) }}
),

backtest_popularity as (
    select * from {{ ref('int_recommendation_backtest_popularity') }}
),

current_ranks as (
    select * from ({{ popularity_baseline_ranks('current_popularity') }}) as ranks
    where model_name = 'popularity_decayed'
),

backtest_ranks as (
    select * from ({{ popularity_baseline_ranks('backtest_popularity') }}) as ranks
    where model_name = 'popularity_decayed'
),

current_people as (
    select user_key from people
    where snapshot_role = 'current'
),

backtest_people as (
    select user_key from people
    where snapshot_role = 'recommendation_backtest'
),

bought as (
    select
        person_items.snapshot_role,
        people.user_key,
        person_items.item_id
    from person_items
    inner join people
        on
            person_items.snapshot_role = people.snapshot_role
            and person_items.user_index = people.user_index
    where person_items.is_bought
),

current_bought as (
    -- what the served list may not offer: bought items, unless recommend_already_bought
    select
        user_key,
        item_id
    from bought
    where snapshot_role = 'current' and not {{ serve_bought }}
),

backtest_bought as (
    select
        user_key,
        item_id
    from bought
    where snapshot_role = 'recommendation_backtest'
),

current_trending as (
    {{ popularity_lists_excluding('current_people', 'current_bought', 'current_ranks', top_n) }}
),

backtest_trending_excluding as (
    {{ popularity_lists_excluding('backtest_people', 'backtest_bought', 'backtest_ranks', top_n) }}
),

trending as (
    select
        'current' as snapshot_role,
        '{{ "include_bought" if serve_bought else "exclude_bought" }}' as evaluation_mode,
        user_key,
        item_id,
        rank
    from current_trending
    union all
    select
        'recommendation_backtest' as snapshot_role,
        'exclude_bought' as evaluation_mode,
        user_key,
        item_id,
        rank
    from backtest_trending_excluding
    union all
    select
        'recommendation_backtest' as snapshot_role,
        'include_bought' as evaluation_mode,
        backtest_people.user_key,
        backtest_ranks.item_id,
        backtest_ranks.popularity_rank as rank
    from backtest_people
    cross join backtest_ranks
    where backtest_ranks.popularity_rank <= {{ top_n }}
),

fused_inputs as (
    select
        snapshot_role,
        evaluation_mode,
        user_key,
        item_id,
        rank,
        case when model_name = 'item_cf' then because_of_item_id end as item_cf_because_of_item_id,
        case when model_name = 'factorization' then because_of_item_id end as factorization_because_of_item_id
    from model_lists
    union all
    select
        snapshot_role,
        evaluation_mode,
        user_key,
        item_id,
        rank,
        cast(null as varchar) as item_cf_because_of_item_id,
        cast(null as varchar) as factorization_because_of_item_id
    from trending
),

fused as (
    select
        snapshot_role,
        evaluation_mode,
        user_key,
        item_id,
        cast(sum(cast(1.0 / (60 + rank) as decimal(38, 18))) as double) as score,
        min(rank) as best_rank,
        coalesce(max(item_cf_because_of_item_id), max(factorization_because_of_item_id)) as because_of_item_id
    from fused_inputs
    group by snapshot_role, evaluation_mode, user_key, item_id
),

ranked as (
    select
        snapshot_role,
        evaluation_mode,
        'hybrid' as model_name,
        user_key,
        item_id,
        score,
        'hybrid' as source,
        because_of_item_id,
        row_number() over (
            partition by snapshot_role, evaluation_mode, user_key
            order by score desc, best_rank asc, item_id asc
        ) as rank
    from fused
),

top_ranked as (
    select * from ranked
    where rank <= {{ top_n }}
)

select * from top_ranked
order by snapshot_role, evaluation_mode, user_key, rank
