-- Top-N item recommendations of every list the project builds, one row per list, model, person
-- and rank. A list is a snapshot role and a mode:
--   current / the configured mode (var recommend_already_bought): every known person as of
--       as_of_date, scored with the models fitted at as_of_date (what user_recommendations serves);
--   recommendation_backtest / exclude_bought and include_bought: every person the backtest
--       evaluates, as of the cutoff, scored with the models fitted up to the cutoff.
-- Each list reads only its snapshot of the user-item matrix and item popularity, and purchases
-- on or before its date. Each model-based recommender (model_name) gets its own lists:
--   item_cf: score = sum over the person's strongest interactions (the
--       recommendation_history_items largest decayed weights, so mostly the recent ones) of
--       interaction_weight x similarity to the candidate; because_of_item_id is the interaction
--       contributing most (ties: the larger item id). When already-bought items are allowed,
--       each interacted item is also its own neighbour (similarity 1). Sums are exact
--       (contributions rounded to 1e-12, summed as integers), so scores do not depend on row order.
--   factorization: score = user_factors . item_factors (truncated SVD); because_of_item_id is
--       the interacted item with the largest term of the score's exact split
--       sum over i of w_ui (v_i . v_j), ties the larger item id.
--   fill, when the model gives fewer than N (a person with little or no history): the items of
--       the person's main category (largest total interaction weight, ties by name) that sell
--       best now (recency-decayed buyers, half-life popularity_half_life_days), then the same
--       overall, then (`catalog`) items nobody bought in the window, by popularity rank.
--       Fill rows have a NULL score.
-- Only catalog merchandise; unless the mode allows it, never an item the person bought on or
-- before the list's date. Order: the model's items by score, then category fill, then overall
-- fill; the item id breaks ties.
-- The model parts come from item_cf_lists and factorization_lists (scored by the package in
-- bounded memory: people in blocks, only each person's top N kept); this model adds the fill and
-- the final ranking. Fill candidates are generated per person from popularity ranks (1 .. what
-- the person can use), so no join compares every person with every item.

{%- set top_n = typed_var('recommendation_top_n') | int %}
{%- set serve_bought = typed_var('recommend_already_bought') %}

with

feature_snapshots as (
    select * from {{ ref('int_feature_snapshots') }}
),

people as (
    select * from {{ ref('int_recommendation_people') }}
),

person_items as (
    select * from {{ ref('int_recommendation_person_items') }}
),

popularity_snapshots as (
    select * from {{ ref('int_item_popularity_snapshots') }}
),

item_cf_lists as (
    select * from {{ ref('item_cf_lists') }}
),

factorization_lists as (
    select * from {{ ref('factorization_lists') }}
),

models as (
    -- the model-based recommenders; each gets its own filled lists
    select models.model_name
    from (values ('item_cf'), ('factorization')) as models (model_name)
),

list_modes as (
    select
        'current' as snapshot_role,
        '{{ "include_bought" if serve_bought else "exclude_bought" }}' as evaluation_mode,
        {{ serve_bought }} as allow_bought
    union all
    select
        'recommendation_backtest' as snapshot_role,
        'exclude_bought' as evaluation_mode,
        false as allow_bought
    union all
    select
        'recommendation_backtest' as snapshot_role,
        'include_bought' as evaluation_mode,
        true as allow_bought
),

lists as (
    select
        list_modes.snapshot_role,
        list_modes.evaluation_mode,
        list_modes.allow_bought,
        feature_snapshots.snapshot_date
    from list_modes
    inner join feature_snapshots on list_modes.snapshot_role = feature_snapshots.snapshot_role
),

list_snapshots as (
    select distinct
        snapshot_role,
        snapshot_date
    from lists
),

catalog as (
    -- ranks among the catalog merchandise only, so that non-merchandise codes (postage, fees)
    -- and unknown items, filtered out here, take no places in the fill windows below; ranked by
    -- what sells now (recency-decayed buyers, the popularity_decayed baseline), ties (and items
    -- nobody bought) by the lookback popularity
    select
        list_snapshots.snapshot_role,
        popularity_snapshots.item_id,
        popularity_snapshots.category,
        popularity_snapshots.buyers,
        row_number() over (
            partition by list_snapshots.snapshot_role
            order by popularity_snapshots.decayed_buyers desc nulls last, popularity_snapshots.popularity_rank asc
        ) as popularity_rank,
        row_number() over (
            partition by list_snapshots.snapshot_role, popularity_snapshots.category
            order by
                popularity_snapshots.decayed_buyers desc nulls last,
                popularity_snapshots.category_popularity_rank asc
        ) as category_popularity_rank
    from list_snapshots
    inner join popularity_snapshots on list_snapshots.snapshot_date = popularity_snapshots.snapshot_date
    where popularity_snapshots.is_known_item and popularity_snapshots.is_merchandise
),

bought as (
    select
        user_index,
        item_id
    from person_items
    where is_bought
),

bought_counts as (
    select
        user_index,
        count(*) as bought_items
    from bought
    group by user_index
),

category_weights as (
    select
        person_items.user_index,
        catalog.category,
        {{ ordered_sum('person_items.interaction_weight', 'person_items.item_id') }} as category_weight
    from person_items
    inner join catalog
        on
            person_items.snapshot_role = catalog.snapshot_role
            and person_items.item_id = catalog.item_id
    where person_items.history_rank is not null
    group by person_items.user_index, catalog.category
),

main_categories as (
    select
        user_index,
        category as main_category
    from (
        select
            user_index,
            category,
            row_number() over (
                partition by user_index order by category_weight desc, category asc nulls last
            ) as category_rank
        from category_weights
    ) as ranked_categories
    where category_rank = 1
),

model_lists as (
    select
        'item_cf' as model_name,
        item_cf_lists.snapshot_role,
        item_cf_lists.evaluation_mode,
        item_cf_lists.user_index,
        item_cf_lists.item_id,
        item_cf_lists.score,
        item_cf_lists.because_of_item_id,
        item_cf_lists.cf_rank
    from item_cf_lists
    union all
    select
        'factorization' as model_name,
        factorization_lists.snapshot_role,
        factorization_lists.evaluation_mode,
        factorization_lists.user_index,
        factorization_lists.item_id,
        factorization_lists.score,
        cast(factorization_lists.because_of_item_id as string) as because_of_item_id,
        factorization_lists.cf_rank
    from factorization_lists
),

cf_candidates as (
    select
        model_lists.model_name,
        lists.allow_bought,
        model_lists.user_index,
        model_lists.item_id,
        model_lists.score,
        model_lists.model_name as source,
        model_lists.because_of_item_id,
        1 as source_priority,
        cast(model_lists.cf_rank as double) as source_order
    from model_lists
    inner join lists
        on
            model_lists.snapshot_role = lists.snapshot_role
            and model_lists.evaluation_mode = lists.evaluation_mode
),

cf_counts as (
    select
        model_name,
        allow_bought,
        user_index,
        count(*) as cf_items
    from cf_candidates
    group by model_name, allow_bought, user_index
),

user_context as (
    -- the lists a model leaves short (fewer than N items): only these are filled
    select
        models.model_name,
        lists.snapshot_role,
        lists.allow_bought,
        people.user_index,
        main_categories.main_category,
        case when lists.allow_bought then 0 else coalesce(bought_counts.bought_items, 0) end as bought_items
    from lists
    cross join models
    inner join people on lists.snapshot_role = people.snapshot_role
    left join main_categories on people.user_index = main_categories.user_index
    left join bought_counts on people.user_index = bought_counts.user_index
    left join cf_counts
        on
            models.model_name = cf_counts.model_name
            and lists.allow_bought = cf_counts.allow_bought
            and people.user_index = cf_counts.user_index
    where coalesce(cf_counts.cf_items, 0) < {{ top_n }}
),

category_fill_ranks as (
    -- the category ranks that can reach the list: N plus one per bought item (of the first
    -- N + b, at most b are bought and at most the item-CF ones repeat, which leaves enough for
    -- every slot item-CF did not fill)
    select
        model_name,
        snapshot_role,
        allow_bought,
        user_index,
        main_category,
        {{ unnest_range(1, top_n ~ ' + bought_items + 1') }} as category_popularity_rank
    from user_context
    where main_category is not null
),

category_fill as (
    select
        category_fill_ranks.model_name,
        category_fill_ranks.allow_bought,
        category_fill_ranks.user_index,
        catalog.item_id,
        cast(null as double) as score,
        'popular_in_category' as source,
        cast(null as string) as because_of_item_id,
        2 as source_priority,
        cast(catalog.category_popularity_rank as double) as source_order
    from category_fill_ranks
    inner join catalog
        on
            category_fill_ranks.snapshot_role = catalog.snapshot_role
            and category_fill_ranks.main_category = catalog.category
            and category_fill_ranks.category_popularity_rank = catalog.category_popularity_rank
    where catalog.buyers > 0
),

overall_fill_ranks as (
    -- the overall ranks that can reach the list: N plus one per bought item (the same count:
    -- repeats of item-CF and category items only take slots those already filled)
    select
        model_name,
        snapshot_role,
        allow_bought,
        user_index,
        {{ unnest_range(1, top_n ~ ' + bought_items + 1') }} as popularity_rank
    from user_context
),

overall_fill as (
    select
        overall_fill_ranks.model_name,
        overall_fill_ranks.allow_bought,
        overall_fill_ranks.user_index,
        catalog.item_id,
        cast(null as double) as score,
        -- a shop where this person bought every item anyone bought (one-person shop) still
        -- gets a list: catalog items nobody bought yet, after the popular ones
        case when catalog.buyers > 0 then 'popular' else 'catalog' end as source,
        cast(null as string) as because_of_item_id,
        3 as source_priority,
        cast(catalog.popularity_rank as double) as source_order
    from overall_fill_ranks
    inner join catalog
        on
            overall_fill_ranks.snapshot_role = catalog.snapshot_role
            and overall_fill_ranks.popularity_rank = catalog.popularity_rank
),

short_list_cf as (
    select cf_candidates.*
    from cf_candidates
    semi join user_context
        on
            cf_candidates.model_name = user_context.model_name
            and cf_candidates.allow_bought = user_context.allow_bought
            and cf_candidates.user_index = user_context.user_index
),

candidates as (
    select * from short_list_cf
    union all
    select * from category_fill
    union all
    select * from overall_fill
),

eligible as (
    -- bought items never (unless allowed)
    select candidates.*
    from candidates
    anti join bought
        on
            not candidates.allow_bought
            and candidates.user_index = bought.user_index
            and candidates.item_id = bought.item_id
),

filled as (
    -- the N first offers per list and person, each item with its best source
    {{ recommendation_top_offers('eligible', top_n) }}
),

full_lists as (
    -- N item-CF items: the list is those items in item-CF order (no fill can come before them)
    select
        cf_candidates.model_name,
        cf_candidates.allow_bought,
        cf_candidates.user_index,
        cf_candidates.item_id,
        cf_candidates.score,
        cf_candidates.source,
        cf_candidates.because_of_item_id,
        cast(cf_candidates.source_order as bigint) as rank
    from cf_candidates
    anti join user_context
        on
            cf_candidates.model_name = user_context.model_name
            and cf_candidates.allow_bought = user_context.allow_bought
            and cf_candidates.user_index = user_context.user_index
),

ranked as (
    select * from filled
    union all
    select * from full_lists
),

named as (
    select
        lists.snapshot_role,
        lists.evaluation_mode,
        ranked.model_name,
        people.user_key,
        ranked.item_id,
        ranked.score,
        ranked.source,
        ranked.because_of_item_id,
        ranked.rank
    from ranked
    inner join people on ranked.user_index = people.user_index
    inner join lists
        on
            people.snapshot_role = lists.snapshot_role
            and ranked.allow_bought = lists.allow_bought
)

select * from named
order by snapshot_role, evaluation_mode, model_name, user_key, rank
