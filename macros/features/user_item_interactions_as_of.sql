{#-
    The user-item matrix in long form as of a snapshot date: one row per person and item they
    interacted with in the `lookback_days` window ending on the snapshot, with an implicit-feedback
    weight (seed interaction_weights, exponential time decay with half-life var
    interaction_half_life_days measured back from the snapshot, refunds cancelling purchases).
    `snapshot_date` is a SQL date expression not after as_of_date. Used by user_item_interactions
    (at as_of_date) and by the recommendation backtest (at as_of_date - backtest days).
-#}
{% macro user_item_interactions_as_of(snapshot_date) %}
with

events_as_of as (
    select * from {{ ref('int_events_as_of') }}
),

interaction_weights as (
    select * from {{ ref('interaction_weights') }}
),

snapshot as (
    select cast({{ snapshot_date }} as date) as snapshot_date
),

window_events as (
    select
        events_as_of.event_id,
        events_as_of.user_key,
        events_as_of.item_id,
        events_as_of.event_type,
        events_as_of.event_at,
        snapshot.snapshot_date,
        snapshot.snapshot_date - events_as_of.event_date as age_days
    from events_as_of
    cross join snapshot
    where
        events_as_of.item_id is not null
        and events_as_of.event_date <= snapshot.snapshot_date
        and events_as_of.event_date > snapshot.snapshot_date - {{ typed_var('lookback_days') }}
),

weighted as (
    select
        window_events.*,
        coalesce(interaction_weights.interaction_weight, 0)
        * pow(0.5, window_events.age_days / {{ typed_var('interaction_half_life_days') }})
            as decayed_weight
    from window_events
    left join interaction_weights on window_events.event_type = interaction_weights.event_type
),

interactions as (
    select
        user_key,
        item_id,
        any_value(snapshot_date) as as_of_date,
        greatest(sum(decayed_weight order by event_id), 0) as interaction_weight,
        count(*) filter (where event_type = 'view') as view_count,
        count(*) filter (where event_type = 'add_to_cart') as cart_count,
        count(*) filter (where event_type = 'purchase') as purchase_count,
        count(*) filter (where event_type = 'refund') as refund_count,
        max(event_at) as last_interaction_at
    from weighted
    group by user_key, item_id
)

select * from interactions
{% endmacro %}
