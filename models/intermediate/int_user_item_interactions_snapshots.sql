-- The user-item matrix in long form at every snapshot date of int_feature_snapshots with
-- `needs_item_features` (as_of_date, and the recommendation backtest cutoff): one row per
-- snapshot, person and item they interacted with in the `lookback_days` window ending on the
-- snapshot, with an implicit-feedback weight (seed interaction_weights, exponential time decay
-- with half-life var interaction_half_life_days measured back from the snapshot, refunds
-- cancelling purchases). user_item_interactions publishes the current snapshot; the backtest
-- reads the cutoff; int_item_popularity_snapshots sums these rows per item (one grouping of the
-- window events serves both).

with

item_window_events as (
    select * from {{ ref('int_item_window_events') }}
),

interaction_weights as (
    select * from {{ ref('interaction_weights') }}
),

window_events as (
    select
        event_id,
        user_key,
        item_id,
        event_type,
        quantity,
        revenue,
        event_at,
        snapshot_date,
        age_days
    from item_window_events
),

weighted as (
    select
        window_events.*,
        coalesce(interaction_weights.interaction_weight, 0)
        * {{ libm_pow('0.5', 'window_events.age_days / ' ~ typed_var('interaction_half_life_days')) }}
            as decayed_weight
    from window_events
    left join interaction_weights on window_events.event_type = interaction_weights.event_type
),

interactions as (
    select
        user_key,
        item_id,
        snapshot_date as as_of_date,
        -- an exact sum (each term rounded to 1e-15, added as a decimal): the weight does not
        -- depend on the order rows reach the aggregate, with no sort of the window's events
        cast(greatest(sum({{ double_to_decimal('decayed_weight', 38, 15) }}), 0) as double) as interaction_weight,
        count(*) filter (where event_type = 'view') as view_count,
        count(*) filter (where event_type = 'add_to_cart') as cart_count,
        count(*) filter (where event_type = 'purchase') as purchase_count,
        count(*) filter (where event_type = 'refund') as refund_count,
        max(event_at) as last_interaction_at,
        -- what item popularity needs per person and item, so that it reads these rows instead
        -- of grouping the window events a second time
        max(event_at) filter (where event_type = 'purchase') as last_purchase_at,
        cast(coalesce(sum(quantity) filter (where event_type = 'purchase'), 0) as bigint) as units_purchased,
        cast(sum(revenue) as decimal(18, 4)) as net_revenue
    from weighted
    group by snapshot_date, user_key, item_id
)

select * from interactions
order by as_of_date, user_key, item_id
