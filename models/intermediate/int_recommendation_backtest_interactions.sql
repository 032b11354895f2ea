-- The user-item matrix as of the backtest cutoff (as_of_date - recommendation_backtest_days):
-- what item_neighbors_backtest trains on. Same macro as user_item_interactions.

with

interactions as (
    {{ user_item_interactions_as_of(
        "cast(" ~ as_of_date() ~ " as date) - " ~ typed_var('recommendation_backtest_days')
    ) }}
)

select * from interactions
