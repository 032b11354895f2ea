-- Popularity of every catalog item (and any item seen in events) at every snapshot date of
-- int_feature_snapshots with `needs_item_features`, in the `lookback_days` window ending on
-- the snapshot: ranked by distinct buyers, then net revenue, then item_id, overall and within
-- the category. item_popularity publishes the current snapshot; the recommendation backtest
-- reads the cutoff.
--
-- How: events are read once, not once per snapshot; each event date gets a bit mask of the
-- snapshots whose window holds it, events are aggregated per item (and person) and mask, and only
-- those rows are expanded to the snapshots whose bit is set (exact integer and decimal sums).

with

events_as_of as (
    select * from {{ ref('int_events_as_of') }}
),

dates_as_of as (
    -- a second, narrow read of the same view: events_as_of is then read once, never stored
    select event_date from {{ ref('int_events_as_of') }}
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

snapshot_bits as (
    -- bit snapshot_bit of a mask marks this snapshot
    select
        snapshot_date,
        cast(1 as bigint) << cast(row_number() over (order by snapshot_date) - 1 as bigint) as snapshot_bit
    from snapshots
),

event_dates as (
    select distinct event_date
    from dates_as_of
),

date_masks as (
    -- the snapshots whose window holds each event date: the window of int_item_window_events,
    -- (snapshot - lookback, snapshot]
    select
        event_dates.event_date,
        bit_or(snapshot_bits.snapshot_bit) as window_mask
    from event_dates
    inner join snapshot_bits
        on
            event_dates.event_date <= snapshot_bits.snapshot_date
            and event_dates.event_date > snapshot_bits.snapshot_date - {{ typed_var('lookback_days') }}
    group by event_dates.event_date
),

window_events as (
    -- every event with an item read once, with the snapshots whose window holds it
    select
        events_as_of.item_id,
        events_as_of.user_key,
        events_as_of.event_type,
        events_as_of.quantity,
        events_as_of.revenue,
        date_masks.window_mask
    from events_as_of
    inner join date_masks on events_as_of.event_date = date_masks.event_date
    where events_as_of.item_id is not null
),

item_people as (
    select
        item_id,
        user_key,
        coalesce(bit_or(window_mask) filter (where event_type = 'purchase'), 0) as purchased_mask,
        coalesce(bit_or(window_mask) filter (where event_type = 'view'), 0) as viewed_mask
    from window_events
    where event_type in ('purchase', 'view')
    group by item_id, user_key
),

item_people_masks as (
    select
        item_id,
        purchased_mask,
        viewed_mask,
        count(user_key) as people
    from item_people
    group by item_id, purchased_mask, viewed_mask
),

item_people_counts as (
    select
        snapshot_bits.snapshot_date,
        item_people_masks.item_id,
        cast(
            coalesce(sum(item_people_masks.people) filter (
                where (item_people_masks.purchased_mask & snapshot_bits.snapshot_bit) != 0
            ), 0) as bigint
        ) as buyers,
        cast(
            coalesce(sum(item_people_masks.people) filter (
                where (item_people_masks.viewed_mask & snapshot_bits.snapshot_bit) != 0
            ), 0) as bigint
        ) as viewers
    from item_people_masks
    inner join snapshot_bits
        on ((item_people_masks.purchased_mask | item_people_masks.viewed_mask) & snapshot_bits.snapshot_bit) != 0
    group by snapshot_bits.snapshot_date, item_people_masks.item_id
),

item_classes as (
    select
        item_id,
        window_mask,
        count(*) filter (where event_type = 'view') as views,
        count(*) filter (where event_type = 'add_to_cart') as carts,
        count(*) filter (where event_type = 'purchase') as purchase_lines,
        sum(quantity) filter (where event_type = 'purchase') as units_sold,
        sum(revenue) as net_revenue
    from window_events
    group by item_id, window_mask
),

item_totals as (
    select
        snapshot_bits.snapshot_date,
        item_classes.item_id,
        cast(sum(item_classes.views) as bigint) as views,
        cast(sum(item_classes.carts) as bigint) as carts,
        cast(sum(item_classes.purchase_lines) as bigint) as purchase_lines,
        coalesce(sum(item_classes.units_sold), 0) as units_sold,
        sum(item_classes.net_revenue) as net_revenue
    from item_classes
    inner join snapshot_bits on (item_classes.window_mask & snapshot_bits.snapshot_bit) != 0
    group by snapshot_bits.snapshot_date, item_classes.item_id
),

activity as (
    -- one row per snapshot and item with at least one event in the window
    select
        item_totals.snapshot_date,
        item_totals.item_id,
        item_totals.views,
        item_totals.carts,
        item_totals.purchase_lines,
        item_totals.units_sold,
        item_totals.net_revenue,
        coalesce(item_people_counts.buyers, 0) as buyers,
        coalesce(item_people_counts.viewers, 0) as viewers
    from item_totals
    left join item_people_counts
        on
            item_totals.snapshot_date = item_people_counts.snapshot_date
            and item_totals.item_id = item_people_counts.item_id
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
        coalesce(activity.purchase_lines, 0) as purchase_lines
    from all_items
    left join items on all_items.item_id = items.item_id
    left join activity
        on all_items.snapshot_date = activity.snapshot_date and all_items.item_id = activity.item_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by snapshot_date order by buyers desc, net_revenue desc, item_id asc
        ) as popularity_rank,
        row_number() over (
            partition by snapshot_date, category order by buyers desc, net_revenue desc, item_id asc
        ) as category_popularity_rank
    from popularity
)

select * from ranked
order by snapshot_date, popularity_rank
