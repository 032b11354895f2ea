-- The dates the snapshot-keyed feature models are computed at: one row per role, as_of_date
-- minus the role's offset. `current` is the analysis date; `churn_train` (2H before) and
-- `churn_eval` (H before) feed the out-of-time churn model, `churn_train_k` / `churn_eval_k`
-- (k × spacing earlier) the stacked training snapshots when `churn_training_snapshots` > 1;
-- `recommendation_backtest` (N days before) feeds the recommendation backtest. Roles may share
-- a date: features are keyed by date.

{%- set horizon = typed_var('churn_horizon_days') | int %}
{%- set backtest_days = typed_var('recommendation_backtest_days') | int %}
{%- set stacked = typed_var('churn_training_snapshots') | int %}
{%- set spacing = typed_var('churn_training_snapshot_spacing_days') | int %}
{#- each role, its distance (days) before as_of_date, and whether user features / item
    features (interactions, popularity) are computed at its date #}
{%- set roles = [
    ('current', 0, true, true),
    ('churn_train', 2 * horizon, true, false),
    ('churn_eval', horizon, true, false),
    ('recommendation_backtest', backtest_days, false, true),
] %}
{#- earlier churn training snapshots stacked onto the latest one (var churn_training_snapshots) #}
{%- for k in range(1, stacked) %}
    {%- do roles.append(('churn_train_' ~ k, 2 * horizon + k * spacing, true, false)) %}
    {%- do roles.append(('churn_eval_' ~ k, horizon + k * spacing, true, false)) %}
{%- endfor %}

with

as_of as (
    select as_of_date from {{ ref('int_analysis_date') }}
),

role_offsets as (
    {%- for role, offset_days, needs_user_features, needs_item_features in roles %}
    select
        '{{ role }}' as snapshot_role,
        {{ offset_days }} as offset_days,
        {{ needs_user_features }} as needs_user_features,
        {{ needs_item_features }} as needs_item_features
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

snapshots as (
    select
        role_offsets.snapshot_role,
        role_offsets.offset_days,
        role_offsets.needs_user_features,
        role_offsets.needs_item_features,
        as_of.as_of_date - role_offsets.offset_days as snapshot_date
    from role_offsets
    cross join as_of
    -- no analysis date (no clean event and no var as_of_date): no snapshot, empty features
    where as_of.as_of_date is not null
)

select * from snapshots
order by offset_days, snapshot_role
