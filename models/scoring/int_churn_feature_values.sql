-- The churn features the fitted candidates read, in long form, one row per (snapshot_role,
-- user_key, feature): only the snapshots a fit scores (`eval` for the backtest, `score` for
-- serving) and only the features a regression or a tree uses, as doubles. What the SQL
-- scoring reads a feature's value from by its name (the regressions' standardised
-- contributions, the tree's splits).

{#- the feature columns: every column of int_churn_snapshots but the keys, dates and label
    (while parsing or linting, any one feature column; none found in a build stops the run) -#}
{%- set not_features = ['snapshot_role', 'user_key', 'snapshot_date', 'label_window_end', 'is_churned'] %}
{%- set snapshot_columns = adapter.get_columns_in_relation(ref('int_churn_snapshots')) if execute else [] %}
{%- set feature_columns = snapshot_columns | map(attribute='name') | map('lower') | reject('in', not_features) | list %}
{%- if feature_columns | length == 0 and execute and target.name != 'lint' %}
{{ exceptions.raise_compiler_error("int_churn_feature_values: no feature columns found in " ~ ref('int_churn_snapshots')) }}
{%- endif %}
{%- if feature_columns | length == 0 %}{% set feature_columns = ['recency_days'] %}{% endif %}

with

churn_snapshots as (
    select * from {{ ref('int_churn_snapshots') }}
),

churn_model as (
    select * from {{ ref('churn_model') }}
),

churn_tree as (
    select * from {{ ref('churn_tree') }}
),

scored_roles as (
    select scored_snapshot_role from churn_model
    union
    select scored_snapshot_role from churn_tree
),

used_features as (
    select feature_name from churn_model
    union
    select feature_name from churn_tree
    where feature_name is not null
),

scored_snapshots as (
    select churn_snapshots.*
    from churn_snapshots
    where churn_snapshots.snapshot_role in (select scored_roles.scored_snapshot_role from scored_roles)
),

feature_values as (
    -- one row per person and feature column of int_churn_snapshots (all but the keys, dates and
    -- label), as doubles
    {%- for feature_name in feature_columns %}
    select
        snapshot_role,
        user_key,
        '{{ feature_name }}' as feature_name,
        cast({{ feature_name }} as double) as feature_value
    from scored_snapshots
    -- as an unpivot: a person without a value has no row for that feature
    where {{ feature_name }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

used_values as (
    select feature_values.*
    from feature_values
    inner join used_features on feature_values.feature_name = used_features.feature_name
)

select * from used_values
order by snapshot_role, user_key, feature_name
