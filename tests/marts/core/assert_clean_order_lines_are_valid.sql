-- Every clean purchase or refund line has an order, a positive quantity and a positive unit
-- price, or a price of 0 when var zero_price_purchases is `keep` (free items are then clean
-- events worth 0). Returns the lines that break it.

with

clean_events as (
    select * from {{ ref('clean_events') }}
),

order_lines as (
    select *
    from clean_events
    where event_type in ('purchase', 'refund')
),

invalid as (
    select *
    from order_lines
    where
        order_id is null
        or not coalesce(quantity > 0, false)
        or not coalesce(unit_price {{ '>=' if typed_var('zero_price_purchases') == 'keep' else '>' }} 0, false)
)

select * from invalid
