-- Item pairs bought in the same order in the lookback window ending on as_of_date, with
-- support, confidence in both directions and lift. Orders with more distinct items than var
-- fbt_max_basket_items are left out of the pair counts (and of every denominator), so a few
-- huge baskets cannot blow up the number of pairs; pairs need var fbt_min_orders orders.

with

events_as_of as (
    select * from {{ ref('int_events_as_of') }}
),

items as (
    select * from {{ ref('item_popularity') }}
),

order_lines as (
    -- merchandise only: postage or fee codes would pair with everything
    select distinct
        events_as_of.order_id,
        events_as_of.item_id
    from events_as_of
    left join items on events_as_of.item_id = items.item_id
    where
        events_as_of.event_type = 'purchase'
        and events_as_of.order_id is not null
        and events_as_of.item_id is not null
        and coalesce(items.is_merchandise, true)
        and events_as_of.event_date > events_as_of.as_of_date - {{ typed_var('lookback_days') }}
),

basket_sizes as (
    select
        order_id,
        count(*) as basket_items
    from order_lines
    group by order_id
),

counted_lines as (
    select order_lines.*
    from order_lines
    inner join basket_sizes on order_lines.order_id = basket_sizes.order_id
    where basket_sizes.basket_items <= {{ typed_var('fbt_max_basket_items') }}
),

order_total as (
    select count(distinct order_id) as orders
    from counted_lines
),

item_orders as (
    select
        item_id,
        count(*) as item_orders
    from counted_lines
    group by item_id
),

pairs as (
    select
        left_lines.item_id as item_a,
        right_lines.item_id as item_b,
        count(*) as pair_orders
    from counted_lines as left_lines
    inner join counted_lines as right_lines
        on left_lines.order_id = right_lines.order_id and left_lines.item_id < right_lines.item_id
    group by left_lines.item_id, right_lines.item_id
    having count(*) >= {{ typed_var('fbt_min_orders') }}
),

measured as (
    select
        pairs.item_a,
        item_a_stats.item_name as item_a_name,
        pairs.item_b,
        item_b_stats.item_name as item_b_name,
        pairs.pair_orders,
        a_orders.item_orders as item_a_orders,
        b_orders.item_orders as item_b_orders,
        order_total.orders as total_orders,
        pairs.pair_orders / order_total.orders as support,
        pairs.pair_orders / a_orders.item_orders as confidence_a_to_b,
        pairs.pair_orders / b_orders.item_orders as confidence_b_to_a,
        (pairs.pair_orders / order_total.orders)
        / ((a_orders.item_orders / order_total.orders) * (b_orders.item_orders / order_total.orders)) as lift
    from pairs
    cross join order_total
    inner join item_orders as a_orders on pairs.item_a = a_orders.item_id
    inner join item_orders as b_orders on pairs.item_b = b_orders.item_id
    left join items as item_a_stats on pairs.item_a = item_a_stats.item_id
    left join items as item_b_stats on pairs.item_b = item_b_stats.item_id
)

select * from measured
order by item_a, item_b
