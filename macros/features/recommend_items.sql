{#-
    Top-N recommendations for the people of `users` (a relation with a `user_key` column) as of
    `snapshot_date` (a SQL date expression), from the relations `interactions`
    (user_item_interactions shape), `neighbors` (item_neighbors shape) and `popularity`
    (item_popularity shape), all built for that snapshot.

    - item_cf: score = Σ over the person's strongest interactions (the
      `recommendation_history_items` largest decayed weights, so mostly the recent ones) of
      interaction_weight × similarity to the candidate; `because_of_item_id` is the interaction
      contributing most (ties: the larger item id). With `allow_bought`, each interacted item
      also counts as its own neighbour (similarity 1). Sums are exact decimals, so scores do not
      depend on row order.
    - Fill, when item-CF gives fewer than N: the most popular items (by buyers) of the person's
      main category (the category with the largest total interaction weight, ties by name), then
      the most popular items overall, then (`catalog`) items nobody bought in the window, in
      popularity-rank order. Fill rows have a NULL score.
    - Only catalog merchandise (is_merchandise); the category fill only items someone bought in
      the window.
      Unless `allow_bought`, never an item the person bought on or before the snapshot (any time).
    Ordering: item_cf by score desc, then category fill, then overall fill by popularity; item id
    breaks ties. Columns: user_key, item_id, rank, score, source, because_of_item_id.
-#}
{% macro recommend_items(users, interactions, neighbors, popularity, snapshot_date, top_n, allow_bought) %}
with

rec_users as (
    select distinct user_key from {{ users }}
),

events_as_of as (
    select * from {{ ref('int_events_as_of') }}
),

catalog as (
    select
        item_id,
        category,
        buyers,
        popularity_rank,
        category_popularity_rank
    from {{ popularity }}
    where is_known_item and is_merchandise
),

all_history as (
    select
        interactions.user_key,
        interactions.item_id,
        interactions.interaction_weight
    from {{ interactions }} as interactions
    inner join rec_users on interactions.user_key = rec_users.user_key
    where interactions.interaction_weight > 0
),

history as (
    -- the person's strongest (decayed, so mostly recent) interactions feed item-CF
    select *
    from all_history
    qualify row_number() over (
        partition by user_key order by interaction_weight desc, item_id asc
    ) <= {{ typed_var('recommendation_history_items') }}
),

bought as (
    select distinct
        events_as_of.user_key,
        events_as_of.item_id
    from events_as_of
    inner join rec_users on events_as_of.user_key = rec_users.user_key
    where
        events_as_of.event_type = 'purchase'
        and events_as_of.item_id is not null
        and events_as_of.event_date <= cast({{ snapshot_date }} as date)
        {%- if allow_bought %}
            and false
        {%- endif %}
),

category_weights as (
    select
        all_history.user_key,
        catalog.category,
        sum(all_history.interaction_weight order by all_history.item_id) as category_weight
    from all_history
    inner join catalog on all_history.item_id = catalog.item_id
    group by all_history.user_key, catalog.category
),

main_categories as (
    select
        user_key,
        category as main_category,
        row_number() over (partition by user_key order by category_weight desc, category asc) as category_rank
    from category_weights
),

user_context as (
    select
        rec_users.user_key,
        main_categories.main_category,
        coalesce(bought_counts.bought_items, 0) as bought_items
    from rec_users
    left join main_categories
        on rec_users.user_key = main_categories.user_key and main_categories.category_rank = 1
    left join (
        select
            user_key,
            count(*) as bought_items
        from bought
        group by user_key
    ) as bought_counts on rec_users.user_key = bought_counts.user_key
),

item_links as (
    -- an item's neighbours; when already-bought items may come back, also the item itself
    -- (similarity 1), so a person's own items compete for rebuying
    select
        item_id,
        neighbor_item_id,
        similarity
    from {{ neighbors }}
    {%- if allow_bought %}
    union all
    select distinct
        item_id,
        item_id as neighbor_item_id,
        1.0 as similarity
    from history
    {%- endif %}
),

cf_contributions as (
    select
        history.user_key,
        item_links.neighbor_item_id as item_id,
        history.item_id as because_of_item_id,
        history.interaction_weight * item_links.similarity as contribution
    from history
    inner join item_links on history.item_id = item_links.item_id
),

cf_scores as (
    -- sums as decimals: exact, so the score does not depend on the order rows arrive in
    select
        cf_contributions.user_key,
        cf_contributions.item_id,
        cast(sum(cast(cf_contributions.contribution as decimal(38, 12))) as double) as score,
        arg_max(
            cf_contributions.because_of_item_id,
            struct_pack(contribution := cf_contributions.contribution, item := cf_contributions.because_of_item_id)
        ) as because_of_item_id
    from cf_contributions
    inner join catalog on cf_contributions.item_id = catalog.item_id
    anti join bought
        on cf_contributions.user_key = bought.user_key and cf_contributions.item_id = bought.item_id
    group by cf_contributions.user_key, cf_contributions.item_id
),

cf_candidates as (
    select
        user_key,
        item_id,
        score,
        'item_cf' as source,
        because_of_item_id,
        1 as source_priority,
        -score as source_order
    from cf_scores
    qualify row_number() over (partition by user_key order by score desc, item_id asc) <= {{ top_n }}
),

category_fill as (
    select
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
            user_context.main_category = catalog.category
            and catalog.category_popularity_rank <= {{ 2 * top_n }} + user_context.bought_items
    where catalog.buyers > 0
),

overall_fill as (
    select
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
    inner join catalog on catalog.popularity_rank <= {{ 3 * top_n }} + user_context.bought_items
),

candidates as (
    select * from cf_candidates
    union all
    select * from category_fill
    union all
    select * from overall_fill
),

eligible as (
    select
        candidates.*,
        row_number() over (
            partition by candidates.user_key, candidates.item_id
            order by candidates.source_priority asc, candidates.source_order asc
        ) as source_rank
    from candidates
    inner join catalog on candidates.item_id = catalog.item_id
    anti join bought on candidates.user_key = bought.user_key and candidates.item_id = bought.item_id
),

ranked as (
    select
        user_key,
        item_id,
        score,
        source,
        because_of_item_id,
        row_number() over (
            partition by user_key order by source_priority asc, source_order asc, item_id asc
        ) as rank
    from eligible
    where source_rank = 1
)

select * from ranked
where rank <= {{ top_n }}
{% endmacro %}
