-- One row per person with a purchase on or before as_of_date: BG/NBD P(alive) and expected
-- purchases, Gamma-Gamma expected transaction value, and the discounted 12-month CLV with its
-- tier, all from the serving fit of clv_model (trained on the full history up to as_of_date).

{%- set monthly_discount = typed_var('clv_monthly_discount_rate') %}

with

customer_base as (
    select * from {{ ref('int_clv_customer_base') }}
),

expected_purchases as (
    select * from {{ ref('int_clv_expected_purchases') }}
),

fits as (
    select * from {{ ref('int_clv_fits') }}
),

value_tiers as (
    select * from {{ ref('value_tiers') }}
),

current_base as (
    select *
    from customer_base
    where snapshot_role = 'current'
),

serving_fit as (
    select *
    from fits
    where fit_role = 'serving'
),

current_expected as (
    select *
    from expected_purchases
    where snapshot_role = 'current'
),

horizons as (
    select
        user_key,
        max(p_alive) as p_alive,
        max(expected_purchases) filter (where horizon_name = '30d') as expected_purchases_30d,
        max(expected_purchases) filter (where horizon_name = '90d') as expected_purchases_90d,
        max(expected_purchases) filter (where horizon_name = 'month_12') as expected_purchases_365d
    from current_expected
    group by user_key
),

monthly_purchases as (
    -- expected purchases within month m: E(end of month m) - E(end of month m - 1)
    select
        user_key,
        horizon_month,
        expected_purchases
        - coalesce(lag(expected_purchases) over (partition by user_key order by horizon_month), 0)
            as month_purchases
    from current_expected
    where horizon_month is not null
),

discounted_purchases as (
    select
        user_key,
        {{ ordered_sum('month_purchases / pow(1 + ' ~ monthly_discount ~ ', horizon_month)', 'horizon_month') }}
            as discounted_purchases_12m
    from monthly_purchases
    group by user_key
),

valued as (
    select
        current_base.user_key,
        current_base.calibration_end_date as as_of_date,
        current_base.first_purchase_date,
        current_base.frequency,
        current_base.recency_days,
        current_base.age_days,
        current_base.repeat_transaction_value,
        horizons.p_alive,
        horizons.expected_purchases_30d,
        horizons.expected_purchases_90d,
        horizons.expected_purchases_365d,
        discounted_purchases.discounted_purchases_12m,
        -- without a Gamma-Gamma fit, the person's own mean transaction value
        {{ clv_expected_transaction_value(
            'current_base.frequency', 'current_base.repeat_transaction_value', 'current_base.total_value'
        ) }} as expected_transaction_value,
        case when serving_fit.gamma_gamma_status = 'fitted' then 'gamma_gamma' else 'observed_mean' end
            as transaction_value_method,
        serving_fit.bg_nbd_status,
        serving_fit.gamma_gamma_status,
        serving_fit.model_version
    from current_base
    cross join serving_fit
    left join horizons on current_base.user_key = horizons.user_key
    left join discounted_purchases on current_base.user_key = discounted_purchases.user_key
),

with_clv as (
    select
        *,
        discounted_purchases_12m * expected_transaction_value as clv_12m
    from valued
),

ranked as (
    select
        *,
        {{ value_position('clv_12m') }} as clv_position
    from with_clv
),

tiers as (
    {{ value_tier_assignment('ranked', 'user_key', 'clv_position', 'value_tiers') }}
),

scores as (
    -- the table's documented column order (tier beside its position)
    select  -- noqa: ST06
        ranked.user_key,
        ranked.as_of_date,
        ranked.first_purchase_date,
        ranked.frequency,
        ranked.recency_days,
        ranked.age_days,
        ranked.repeat_transaction_value,
        ranked.p_alive,
        ranked.expected_purchases_30d,
        ranked.expected_purchases_90d,
        ranked.expected_purchases_365d,
        ranked.expected_transaction_value,
        ranked.transaction_value_method,
        ranked.clv_12m,
        ranked.clv_position,
        tiers.value_tier as clv_tier,
        tiers.value_tier_order as clv_tier_order,
        ranked.bg_nbd_status,
        ranked.gamma_gamma_status,
        ranked.model_version
    from ranked
    inner join tiers on ranked.user_key = tiers.user_key
)

select * from scores
order by user_key
