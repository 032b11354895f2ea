-- Popularity of every catalog item (and any item seen in events) at every snapshot date of
-- int_feature_snapshots with `needs_item_features`, in the `lookback_days` window ending on
-- the snapshot: ranked by distinct buyers, then net revenue, then item_id, overall and within
-- the category. item_popularity publishes the current snapshot; the recommendation backtest
-- reads the cutoff.

with

interactions as (
    -- the user-item matrix at the same snapshots: one row per snapshot, person and item with an
    -- event in the window, so the window events are grouped once for both tables
    select * from {{ ref('int_user_item_interactions_snapshots') }}
),

items as (
    select * from {{ ref('int_items_deduplicated') }}
),

feature_snapshots as (
    select * from {{ ref('int_feature_snapshots') }}
),

snapshots as (
    select distinct snapshot_date
    from feature_snapshots
    where needs_item_features
),

interaction_ages as (
    -- one row per snapshot, item and person: distinct people are counted from it (no distinct
    -- aggregates over the long user keys)
    select
        as_of_date as snapshot_date,
        item_id,
        user_key,
        view_count,
        cart_count,
        purchase_count,
        units_purchased,
        net_revenue,
        cast(as_of_date - cast(last_purchase_at as date) as bigint) as last_purchase_age_days,
        purchase_count > 0 as has_purchased,
        view_count > 0 as has_viewed
    from interactions
),

buyer_weights as (
    -- each buyer weighs 0.5^(days since their last purchase of the item / half-life), as a
    -- decimal (computed before the aggregate: Spark's form of libm_pow may not sit inside one)
    select
        *,
        {{ double_to_decimal(
            libm_pow('0.5', 'last_purchase_age_days / ' ~ typed_var('popularity_half_life_days')),
            24, 12,
        ) }} as decayed_weight
    from interaction_ages
),

activity as (
    -- one row per snapshot and item with at least one event in the window
    select  -- noqa: ST06
        snapshot_date,
        item_id,
        cast(sum(view_count) as bigint) as views,
        cast(sum(cart_count) as bigint) as carts,
        cast(sum(purchase_count) as bigint) as purchase_lines,
        cast(sum(units_purchased) as bigint) as units_sold,
        sum(net_revenue) as net_revenue,
        count(user_key) filter (where has_purchased) as buyers,
        count(user_key) filter (where has_viewed) as viewers,
        -- the trending windows (within the lookback window, so at most lookback_days long)
        count(user_key) filter (where last_purchase_age_days < 7) as buyers_7d,
        count(user_key) filter (where last_purchase_age_days < 30) as buyers_30d,
        count(user_key) filter (where last_purchase_age_days < 90) as buyers_90d,
        -- decimal terms sum to the same value in any order
        cast(coalesce(sum(decayed_weight) filter (where has_purchased), 0) as decimal(24, 12)) as decayed_buyers
    from buyer_weights
    group by snapshot_date, item_id
),

all_items as (
    select
        snapshots.snapshot_date,
        items.item_id
    from items
    cross join snapshots
    union
    select
        snapshot_date,
        item_id
    from activity
),

popularity as (
    select
        all_items.snapshot_date,
        all_items.item_id,
        items.item_name,
        items.brand,
        cast(coalesce(activity.units_sold, 0) as bigint) as units_sold,
        cast(coalesce(activity.net_revenue, 0) as decimal(18, 4)) as net_revenue,
        coalesce(items.category, 'unknown') as category,
        items.item_id is not null as is_known_item,
        coalesce(items.is_merchandise, true) as is_merchandise,
        coalesce(activity.buyers, 0) as buyers,
        coalesce(activity.viewers, 0) as viewers,
        coalesce(activity.views, 0) as views,
        coalesce(activity.carts, 0) as carts,
        coalesce(activity.purchase_lines, 0) as purchase_lines,
        coalesce(activity.buyers_7d, 0) as buyers_7d,
        coalesce(activity.buyers_30d, 0) as buyers_30d,
        coalesce(activity.buyers_90d, 0) as buyers_90d,
        coalesce(activity.decayed_buyers, 0) as decayed_buyers
    from all_items
    left join items on all_items.item_id = items.item_id
    left join activity
        on all_items.snapshot_date = activity.snapshot_date and all_items.item_id = activity.item_id
),

ranked as (
    select
        *,
        -- bigint on every engine (Spark's row_number is an int)
        cast(row_number() over (
            partition by snapshot_date order by buyers desc, net_revenue desc, item_id asc
        ) as bigint) as popularity_rank,
        cast(row_number() over (
            partition by snapshot_date, category order by buyers desc, net_revenue desc, item_id asc
        ) as bigint) as category_popularity_rank
    from popularity
)

select * from ranked
order by snapshot_date, popularity_rank
