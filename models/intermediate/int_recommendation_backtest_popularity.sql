-- Item popularity as of the backtest cutoff (as_of_date - recommendation_backtest_days): the
-- fill of the backtested recommendations and the popularity baseline. Same macro as
-- item_popularity.

with

popularity as (
    {{ item_popularity_as_of(
        "cast(" ~ as_of_date() ~ " as date) - " ~ typed_var('recommendation_backtest_days')
    ) }}
)

select * from popularity
