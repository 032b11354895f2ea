-- What each listed person (int_recommendation_people) did with each item as of their list's
-- snapshot: one row per snapshot, person and item they interacted with (positive decayed weight
-- in the lookback window ending on the snapshot) or bought on or before the snapshot date.
--   history_rank: rank among the person's positive interactions (weight desc, then item id);
--       item-CF sums over ranks 1 .. recommendation_history_items (the strongest, mostly recent)
--   is_bought: bought on or before the snapshot date (never recommended unless the mode allows)

with

people as (
    select * from {{ ref('int_recommendation_people') }}
),

items as (
    select * from {{ ref('int_recommendation_items') }}
),

interaction_snapshots as (
    select * from {{ ref('int_user_item_interactions_snapshots') }}
),

events_as_of as (
    select * from {{ ref('int_events_as_of') }}
),

interactions as (
    select
        people.snapshot_role,
        people.user_index,
        interaction_snapshots.item_id,
        interaction_snapshots.interaction_weight,
        row_number() over (
            partition by people.user_index
            order by interaction_snapshots.interaction_weight desc, interaction_snapshots.item_id asc
        ) as history_rank
    from people
    inner join interaction_snapshots
        on
            people.snapshot_date = interaction_snapshots.as_of_date
            and people.user_key = interaction_snapshots.user_key
    where interaction_snapshots.interaction_weight > 0
),

bought as (
    select distinct
        people.snapshot_role,
        people.user_index,
        events_as_of.item_id
    from people
    inner join events_as_of on people.user_key = events_as_of.user_key
    where
        events_as_of.event_type = 'purchase'
        and events_as_of.item_id is not null
        and events_as_of.event_date <= people.snapshot_date
),

person_items as (
    select
        interactions.interaction_weight,
        interactions.history_rank,
        coalesce(interactions.snapshot_role, bought.snapshot_role) as snapshot_role,
        coalesce(interactions.user_index, bought.user_index) as user_index,
        coalesce(interactions.item_id, bought.item_id) as item_id,
        bought.item_id is not null as is_bought
    from interactions
    full outer join bought
        on
            interactions.user_index = bought.user_index
            and interactions.item_id = bought.item_id
),

numbered as (
    -- item_index is NULL for an item bought long ago and seen in no snapshot (it cannot come up)
    select
        person_items.snapshot_role,
        person_items.user_index,
        person_items.item_id,
        person_items.interaction_weight,
        person_items.history_rank,
        person_items.is_bought,
        items.item_index
    from person_items
    left join items on person_items.item_id = items.item_id
)

select * from numbered
order by user_index, item_id
