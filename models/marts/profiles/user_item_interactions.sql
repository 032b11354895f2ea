-- The user-item matrix in long form: one row per person and item they interacted with in the
-- lookback window ending on as_of_date, with an implicit-feedback weight (seed
-- interaction_weights, exponential time decay with half-life var interaction_half_life_days,
-- refunds cancelling purchases). Built by the macro user_item_interactions_as_of.

with

interactions as (
    {{ user_item_interactions_as_of(as_of_date()) }}
)

select * from interactions
order by user_key, item_id
