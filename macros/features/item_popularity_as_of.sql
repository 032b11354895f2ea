{#-
    Popularity of every catalog item (and any item seen in events) in the `lookback_days` window
    ending on a snapshot date, ranked by distinct buyers, then net revenue, then item_id; also
    ranked within the category. `snapshot_date` is a SQL date expression not after as_of_date.
    Used by item_popularity (at as_of_date) and the recommendation backtest.
-#}
{% macro item_popularity_as_of(snapshot_date) %}
with

events_as_of as (
    select * from {{ ref('int_events_as_of') }}
),

items as (
    select * from {{ ref('int_items_deduplicated') }}
),

window_events as (
    select *
    from events_as_of
    where
        item_id is not null
        and event_date <= cast({{ snapshot_date }} as date)
        and event_date > cast({{ snapshot_date }} as date) - {{ typed_var('lookback_days') }}
),

activity as (
    select
        item_id,
        count(distinct user_key) filter (where event_type = 'purchase') as buyers,
        count(distinct user_key) filter (where event_type = 'view') as viewers,
        count(*) filter (where event_type = 'view') as views,
        count(*) filter (where event_type = 'add_to_cart') as carts,
        count(*) filter (where event_type = 'purchase') as purchase_lines,
        coalesce(sum(quantity) filter (where event_type = 'purchase'), 0) as units_sold,
        sum(revenue) as net_revenue
    from window_events
    group by item_id
),

all_items as (
    select item_id from items
    union
    select item_id from activity
),

popularity as (
    select
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
    left join activity on all_items.item_id = activity.item_id
),

ranked as (
    select
        *,
        row_number() over (order by buyers desc, net_revenue desc, item_id asc) as popularity_rank,
        row_number() over (
            partition by category order by buyers desc, net_revenue desc, item_id asc
        ) as category_popularity_rank
    from popularity
)

select * from ranked
{% endmacro %}
