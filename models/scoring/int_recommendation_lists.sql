-- Top-N item recommendations of every list the project builds, one row per list, person and
-- rank. A list is a snapshot role and a mode:
--   current / the configured mode (var recommend_already_bought): every known person as of
--       as_of_date, scored with item_neighbors (what user_recommendations serves);
--   recommendation_backtest / exclude_bought and include_bought: every person the backtest
--       evaluates, as of the cutoff, scored with item_neighbors_backtest.
-- Each list reads only its snapshot of the user-item matrix and item popularity, and purchases
-- on or before its date.
--   item_cf: score = sum over the person's strongest interactions (the
--       recommendation_history_items largest decayed weights, so mostly the recent ones) of
--       interaction_weight x similarity to the candidate; because_of_item_id is the interaction
--       contributing most (ties: the larger item id). When already-bought items are allowed,
--       each interacted item is also its own neighbour (similarity 1). Sums are exact decimals,
--       so scores do not depend on row order.
--   fill, when item-CF gives fewer than N: the most popular items (by buyers) of the person's
--       main category (largest total interaction weight, ties by name), then the most popular
--       items overall, then (`catalog`) items nobody bought in the window, by popularity rank.
--       Fill rows have a NULL score.
-- Only catalog merchandise; unless the mode allows it, never an item the person bought on or
-- before the list's date. Order: item_cf by score, then category fill, then overall fill; the
-- item id breaks ties.

{%- set top_n = typed_var('recommendation_top_n') | int %}
{%- set history_items = typed_var('recommendation_history_items') | int %}
{%- set serve_bought = typed_var('recommend_already_bought') %}

with

feature_snapshots as (
    select * from {{ ref('int_feature_snapshots') }}
),

user_feature_snapshots as (
    select * from {{ ref('int_user_features_snapshots') }}
),

interaction_snapshots as (
    select * from {{ ref('int_user_item_interactions_snapshots') }}
),

popularity_snapshots as (
    select * from {{ ref('int_item_popularity_snapshots') }}
),

current_neighbors as (
    select * from {{ ref('item_neighbors') }}
),

backtest_neighbors as (
    select * from {{ ref('item_neighbors_backtest') }}
),

backtest_relevant as (
    select * from {{ ref('int_recommendation_backtest_relevant') }}
),

events_as_of as (
    select * from {{ ref('int_events_as_of') }}
),

evaluated_users as (
    select distinct user_key from backtest_relevant
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

list_users as (
    -- served: every person known at the current snapshot; backtest: every evaluated person
    select
        lists.snapshot_role,
        lists.evaluation_mode,
        lists.allow_bought,
        lists.snapshot_date,
        user_feature_snapshots.user_key
    from lists
    inner join user_feature_snapshots on lists.snapshot_date = user_feature_snapshots.snapshot_date
    where lists.snapshot_role = 'current'
    union all
    select
        lists.snapshot_role,
        lists.evaluation_mode,
        lists.allow_bought,
        lists.snapshot_date,
        evaluated_users.user_key
    from lists
    cross join evaluated_users
    where lists.snapshot_role = 'recommendation_backtest'
),

catalog as (
    -- ranks among the catalog merchandise only, so that non-merchandise codes (postage, fees)
    -- and unknown items, filtered out here, take no places in the fill windows below
    select
        lists.snapshot_role,
        lists.evaluation_mode,
        popularity_snapshots.item_id,
        popularity_snapshots.category,
        popularity_snapshots.buyers,
        row_number() over (
            partition by lists.snapshot_role, lists.evaluation_mode
            order by popularity_snapshots.popularity_rank
        ) as popularity_rank,
        row_number() over (
            partition by lists.snapshot_role, lists.evaluation_mode, popularity_snapshots.category
            order by popularity_snapshots.category_popularity_rank
        ) as category_popularity_rank
    from lists
    inner join popularity_snapshots on lists.snapshot_date = popularity_snapshots.snapshot_date
    where popularity_snapshots.is_known_item and popularity_snapshots.is_merchandise
),

all_history as (
    select
        list_users.snapshot_role,
        list_users.evaluation_mode,
        list_users.allow_bought,
        interaction_snapshots.user_key,
        interaction_snapshots.item_id,
        interaction_snapshots.interaction_weight
    from list_users
    inner join interaction_snapshots
        on
            list_users.snapshot_date = interaction_snapshots.as_of_date
            and list_users.user_key = interaction_snapshots.user_key
    where interaction_snapshots.interaction_weight > 0
),

history as (
    -- the person's strongest (decayed, so mostly recent) interactions feed item-CF
    select *
    from all_history
    qualify row_number() over (
        partition by snapshot_role, evaluation_mode, user_key
        order by interaction_weight desc, item_id asc
    ) <= {{ history_items }}
),

bought as (
    select distinct
        list_users.snapshot_role,
        list_users.evaluation_mode,
        list_users.user_key,
        events_as_of.item_id
    from list_users
    inner join events_as_of on list_users.user_key = events_as_of.user_key
    where
        not list_users.allow_bought
        and events_as_of.event_type = 'purchase'
        and events_as_of.item_id is not null
        and events_as_of.event_date <= list_users.snapshot_date
),

bought_counts as (
    select
        snapshot_role,
        evaluation_mode,
        user_key,
        count(*) as bought_items
    from bought
    group by snapshot_role, evaluation_mode, user_key
),

category_weights as (
    select
        all_history.snapshot_role,
        all_history.evaluation_mode,
        all_history.user_key,
        catalog.category,
        sum(all_history.interaction_weight order by all_history.item_id) as category_weight
    from all_history
    inner join catalog
        on
            all_history.snapshot_role = catalog.snapshot_role
            and all_history.evaluation_mode = catalog.evaluation_mode
            and all_history.item_id = catalog.item_id
    group by all_history.snapshot_role, all_history.evaluation_mode, all_history.user_key, catalog.category
),

main_categories as (
    select
        snapshot_role,
        evaluation_mode,
        user_key,
        category as main_category
    from category_weights
    qualify row_number() over (
        partition by snapshot_role, evaluation_mode, user_key order by category_weight desc, category asc
    ) = 1
),

user_context as (
    select
        list_users.snapshot_role,
        list_users.evaluation_mode,
        list_users.user_key,
        main_categories.main_category,
        coalesce(bought_counts.bought_items, 0) as bought_items
    from list_users
    left join main_categories
        on
            list_users.snapshot_role = main_categories.snapshot_role
            and list_users.evaluation_mode = main_categories.evaluation_mode
            and list_users.user_key = main_categories.user_key
    left join bought_counts
        on
            list_users.snapshot_role = bought_counts.snapshot_role
            and list_users.evaluation_mode = bought_counts.evaluation_mode
            and list_users.user_key = bought_counts.user_key
),

item_links as (
    -- an item's neighbours at the list's date; when already-bought items may come back, also the
    -- item itself (similarity 1), so a person's own items compete for rebuying
    select
        lists.snapshot_role,
        lists.evaluation_mode,
        current_neighbors.item_id,
        current_neighbors.neighbor_item_id,
        current_neighbors.similarity
    from lists
    cross join current_neighbors
    where lists.snapshot_role = 'current'
    union all
    select
        lists.snapshot_role,
        lists.evaluation_mode,
        backtest_neighbors.item_id,
        backtest_neighbors.neighbor_item_id,
        backtest_neighbors.similarity
    from lists
    cross join backtest_neighbors
    where lists.snapshot_role = 'recommendation_backtest'
    union all
    select distinct
        snapshot_role,
        evaluation_mode,
        item_id,
        item_id as neighbor_item_id,
        1.0 as similarity
    from history
    where allow_bought
),

cf_contributions as (
    select
        history.snapshot_role,
        history.evaluation_mode,
        history.user_key,
        item_links.neighbor_item_id as item_id,
        history.item_id as because_of_item_id,
        history.interaction_weight * item_links.similarity as contribution
    from history
    inner join item_links
        on
            history.snapshot_role = item_links.snapshot_role
            and history.evaluation_mode = item_links.evaluation_mode
            and history.item_id = item_links.item_id
),

cf_scores as (
    -- sums as decimals: exact, so the score does not depend on the order rows arrive in
    select
        cf_contributions.snapshot_role,
        cf_contributions.evaluation_mode,
        cf_contributions.user_key,
        cf_contributions.item_id,
        cast(sum(cast(cf_contributions.contribution as decimal(38, 12))) as double) as score,
        arg_max(
            cf_contributions.because_of_item_id,
            struct_pack(contribution := cf_contributions.contribution, item := cf_contributions.because_of_item_id)
        ) as because_of_item_id
    from cf_contributions
    inner join catalog
        on
            cf_contributions.snapshot_role = catalog.snapshot_role
            and cf_contributions.evaluation_mode = catalog.evaluation_mode
            and cf_contributions.item_id = catalog.item_id
    anti join bought
        on
            cf_contributions.snapshot_role = bought.snapshot_role
            and cf_contributions.evaluation_mode = bought.evaluation_mode
            and cf_contributions.user_key = bought.user_key
            and cf_contributions.item_id = bought.item_id
    group by
        cf_contributions.snapshot_role,
        cf_contributions.evaluation_mode,
        cf_contributions.user_key,
        cf_contributions.item_id
),

cf_candidates as (
    select
        snapshot_role,
        evaluation_mode,
        user_key,
        item_id,
        score,
        'item_cf' as source,
        because_of_item_id,
        1 as source_priority,
        -score as source_order
    from cf_scores
    qualify row_number() over (
        partition by snapshot_role, evaluation_mode, user_key order by score desc, item_id asc
    ) <= {{ top_n }}
),

category_fill as (
    select
        user_context.snapshot_role,
        user_context.evaluation_mode,
        user_context.user_key,
        catalog.item_id,
        cast(null as double) as score,
        'popular_in_category' as source,
        cast(null as varchar) as because_of_item_id,
        2 as source_priority,
        cast(catalog.category_popularity_rank as double) as source_order
    from user_context
    inner join catalog
        on
            user_context.snapshot_role = catalog.snapshot_role
            and user_context.evaluation_mode = catalog.evaluation_mode
            and user_context.main_category = catalog.category
            and catalog.category_popularity_rank <= {{ 2 * top_n }} + user_context.bought_items
    where catalog.buyers > 0
),

overall_fill as (
    select
        user_context.snapshot_role,
        user_context.evaluation_mode,
        user_context.user_key,
        catalog.item_id,
        cast(null as double) as score,
        -- a shop where this person bought every item anyone bought (one-person shop) still
        -- gets a list: catalog items nobody bought yet, after the popular ones
        case when catalog.buyers > 0 then 'popular' else 'catalog' end as source,
        cast(null as varchar) as because_of_item_id,
        3 as source_priority,
        cast(catalog.popularity_rank as double) as source_order
    from user_context
    inner join catalog
        on
            user_context.snapshot_role = catalog.snapshot_role
            and user_context.evaluation_mode = catalog.evaluation_mode
            and catalog.popularity_rank <= {{ 3 * top_n }} + user_context.bought_items
),

candidates as (
    select * from cf_candidates
    union all
    select * from category_fill
    union all
    select * from overall_fill
),

eligible as (
    -- an item offered by several sources keeps its best one; bought items never (unless allowed)
    select candidates.*
    from candidates
    anti join bought
        on
            candidates.snapshot_role = bought.snapshot_role
            and candidates.evaluation_mode = bought.evaluation_mode
            and candidates.user_key = bought.user_key
            and candidates.item_id = bought.item_id
    qualify row_number() over (
        partition by candidates.snapshot_role, candidates.evaluation_mode, candidates.user_key, candidates.item_id
        order by candidates.source_priority asc, candidates.source_order asc
    ) = 1
),

ranked as (
    select
        snapshot_role,
        evaluation_mode,
        user_key,
        item_id,
        score,
        source,
        because_of_item_id,
        row_number() over (
            partition by snapshot_role, evaluation_mode, user_key
            order by source_priority asc, source_order asc, item_id asc
        ) as rank
    from eligible
)

select * from ranked
where rank <= {{ top_n }}
order by snapshot_role, evaluation_mode, user_key, rank
