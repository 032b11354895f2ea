-- The hybrid recommender: for every list of int_recommendation_lists (role and mode) and person,
-- a reciprocal rank fusion (Cormack, Clarke and Buettcher 2009) of three top-N lists of the
-- same person and list: item-CF and factorization (each already filled from the person's main
-- category, then overall popularity) and the trending baseline, the popularity baseline that
-- predicted the backtest cutoff's next days best in the list's mode
-- (int_recommendation_trending_choice; bought items skipped exactly as the other lists do).
-- An item's fused score is the sum over the lists that hold it of 1 / (60 + its rank there),
-- summed exactly (decimals); the N best form the list, ties by the best single rank, then item
-- id. No weight is fitted; the one choice, which baseline trends, is the one the champion rule
-- makes among the baselines anyway.
-- because_of_item_id is item-CF's when item-CF listed the item, else the factorization's. The
-- columns follow int_recommendation_lists (user_recommendations unions the two).

{%- set top_n = typed_var('recommendation_top_n') | int %}
{%- set serve_bought = typed_var('recommend_already_bought') %}
{%- set serving_mode = 'include_bought' if serve_bought else 'exclude_bought' %}

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
    ) }}
),

baseline_lists as (
    select * from {{ ref('int_recommendation_baseline_lists') }}
),

trending_choice as (
    select * from {{ ref('int_recommendation_trending_choice') }}
),

current_choice as (
    select model_name from trending_choice
    where evaluation_mode = '{{ serving_mode }}'
),

current_ranks as (
    select ranks.*
    from ({{ popularity_baseline_ranks('current_popularity') }}) as ranks
    inner join current_choice on ranks.model_name = current_choice.model_name
),

current_people as (
    select user_key from people
    where snapshot_role = 'current'
),

current_bought as (
    -- what the served list may not offer: bought items, unless recommend_already_bought
    select
        people.user_key,
        person_items.item_id
    from person_items
    inner join people
        on
            person_items.snapshot_role = people.snapshot_role
            and person_items.user_index = people.user_index
    where person_items.snapshot_role = 'current' and person_items.is_bought and not {{ serve_bought }}
),

current_trending as (
    {{ popularity_lists_excluding('current_people', 'current_bought', 'current_ranks', top_n) }}
),

backtest_trending as (
    -- the chosen baseline's backtest lists, per mode
    select
        baseline_lists.evaluation_mode,
        baseline_lists.user_key,
        baseline_lists.item_id,
        baseline_lists.rank
    from baseline_lists
    inner join trending_choice
        on
            baseline_lists.evaluation_mode = trending_choice.evaluation_mode
            and baseline_lists.model_name = trending_choice.model_name
),

trending as (
    select
        'current' as snapshot_role,
        '{{ serving_mode }}' as evaluation_mode,
        user_key,
        item_id,
        rank
    from current_trending
    union all
    select
        'recommendation_backtest' as snapshot_role,
        evaluation_mode,
        user_key,
        item_id,
        rank
    from backtest_trending
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
        cast(null as string) as item_cf_because_of_item_id,
        cast(null as string) as factorization_because_of_item_id
    from trending
),

fused as (
    select
        snapshot_role,
        evaluation_mode,
        user_key,
        item_id,
        -- (each term the double 1 / (60 + rank) made exact: DuckDB divides in doubles, Spark in
        -- decimals)
        cast(sum(cast(cast(1.0 / (60 + rank) as double) as decimal(38, 18))) as double) as score,
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
