-- The churn models' rows: every person in the churn population at each snapshot date, with the
-- features of int_user_features_snapshots at that date (the same SQL as user_features, so
-- nothing after the snapshot is read) and, where the horizon has passed, the label.
--   train:         S = as_of_date - 2H (- k × spacing), label from purchases in (S, S + H]:
--                  what the backtest fits learn on
--   eval:          S = as_of_date - H, label from purchases in (S, as_of_date]: where the
--                  backtest fits are judged, out of time
--   serving_train: S = as_of_date - H (- k × spacing): what the serving fits learn on, the
--                  eval snapshot (and, stacked, earlier ones)
--   score:         S = as_of_date, no label yet
-- k = 1 .. churn_training_snapshots - 1 adds the stacked earlier snapshots (none by default).
-- Population at S: people with at least one purchase order in the lookback window ending on S.

{%- set horizon = typed_var('churn_horizon_days') | int %}
{%- set stacked = typed_var('churn_training_snapshots') | int %}
{#- the churn roles and the snapshot roles of int_feature_snapshots they read (offsets set there) #}
{%- set churn_roles = [
    ('train', 'churn_train'), ('eval', 'churn_eval'), ('serving_train', 'churn_eval'), ('score', 'current'),
] %}
{%- for k in range(1, stacked) %}
    {%- do churn_roles.append(('train', 'churn_train_' ~ k)) %}
    {%- do churn_roles.append(('serving_train', 'churn_eval_' ~ k)) %}
{%- endfor %}

with

events_as_of as (
    select * from {{ ref('int_events_as_of') }}
),

feature_snapshots as (
    select * from {{ ref('int_feature_snapshots') }}
),

user_features_snapshots as (
    select * from {{ ref('int_user_features_snapshots') }}
),

role_map as (
    {%- for role, snapshot_role in churn_roles %}
    select
        '{{ role }}' as churn_role,
        '{{ snapshot_role }}' as feature_snapshot_role
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

snapshots as (
    select
        role_map.churn_role as snapshot_role,
        feature_snapshots.snapshot_date,
        feature_snapshots.snapshot_date + {{ horizon }} as label_window_end
    from role_map
    inner join feature_snapshots on role_map.feature_snapshot_role = feature_snapshots.snapshot_role
),

all_features as (
    select
        user_features_snapshots.*,
        snapshots.snapshot_role
    from snapshots
    inner join user_features_snapshots on snapshots.snapshot_date = user_features_snapshots.snapshot_date
),

population as (
    select *
    from all_features
    where is_buyer_in_window
),

purchase_dates as (
    select distinct
        user_key,
        event_date
    from events_as_of
    where event_type = 'purchase'
),

labels as (
    select
        snapshots.snapshot_role,
        snapshots.snapshot_date,
        purchase_dates.user_key,
        count(*) as purchase_days_in_horizon
    from snapshots
    inner join purchase_dates
        on
            snapshots.snapshot_date < purchase_dates.event_date
            and snapshots.label_window_end >= purchase_dates.event_date
    where snapshots.snapshot_role != 'score'
    group by snapshots.snapshot_role, snapshots.snapshot_date, purchase_dates.user_key
),

labelled as (
    select
        population.snapshot_role,
        population.user_key,
        population.snapshot_date,
        population.recency_days,
        population.frequency,
        population.monetary,
        population.tenure_days,
        population.active_days_30,
        population.active_days_90,
        cast(population.log1p_recency_days as double) as log1p_recency_days,
        cast(population.log1p_frequency as double) as log1p_frequency,
        cast(population.log1p_monetary as double) as log1p_monetary,
        cast(population.log1p_average_order_value as double) as log1p_average_order_value,
        cast(population.log1p_tenure_days as double) as log1p_tenure_days,
        cast(population.log1p_active_days_30 as double) as log1p_active_days_30,
        cast(population.log1p_active_days_90 as double) as log1p_active_days_90,
        cast(population.refund_rate as double) as refund_rate,
        cast(population.discount_rate as double) as discount_rate,
        cast(population.view_to_purchase_rate as double) as view_to_purchase_rate,
        cast(population.cart_to_purchase_rate as double) as cart_to_purchase_rate,
        cast(population.top_category_share as double) as top_category_share,
        cast(population.distinct_categories_purchased as double) as distinct_categories_purchased,
        case when snapshots.snapshot_role != 'score' then snapshots.label_window_end end as label_window_end,
        case
            when snapshots.snapshot_role != 'score' then coalesce(labels.purchase_days_in_horizon, 0) = 0
        end as is_churned
    from population
    inner join snapshots
        on population.snapshot_role = snapshots.snapshot_role and population.snapshot_date = snapshots.snapshot_date
    left join labels
        on
            population.snapshot_role = labels.snapshot_role
            and population.snapshot_date = labels.snapshot_date
            and population.user_key = labels.user_key
)

select * from labelled
order by snapshot_role, snapshot_date, user_key
