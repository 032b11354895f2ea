-- What the backtest checks recommendations against: for every person with at least one
-- interaction before the cutoff (as_of_date - recommendation_backtest_days), the items they
-- bought in (cutoff, as_of_date]. Two modes:
--   exclude_bought: only items they had not bought on or before the cutoff (new items; the
--                   mode of recommendations that never repeat a purchase)
--   include_bought: every item bought in the test window (rebuying counts)
-- A person is evaluated in a mode when they have at least one relevant item in it.

with

events_as_of as (
    select * from {{ ref('int_events_as_of') }}
),

backtest_interactions as (
    select * from {{ ref('int_recommendation_backtest_interactions') }}
),

cutoff as (
    select snapshot_date as cutoff_date from {{ ref('int_feature_snapshots') }}
    where snapshot_role = 'recommendation_backtest'
),

history_users as (
    select distinct user_key
    from backtest_interactions
    where interaction_weight > 0
),

purchases as (
    select distinct
        events_as_of.user_key,
        events_as_of.item_id,
        events_as_of.event_date > cutoff.cutoff_date as is_in_test_window
    from events_as_of
    cross join cutoff
    inner join history_users on events_as_of.user_key = history_users.user_key
    where events_as_of.event_type = 'purchase' and events_as_of.item_id is not null
),

test_items as (
    select distinct
        user_key,
        item_id
    from purchases
    where is_in_test_window
),

bought_before as (
    select distinct
        user_key,
        item_id
    from purchases
    where not is_in_test_window
),

relevant as (
    select
        'include_bought' as evaluation_mode,
        user_key,
        item_id
    from test_items
    union all
    select
        'exclude_bought' as evaluation_mode,
        test_items.user_key,
        test_items.item_id
    from test_items
    anti join bought_before
        on test_items.user_key = bought_before.user_key and test_items.item_id = bought_before.item_id
)

select * from relevant
order by evaluation_mode, user_key, item_id
