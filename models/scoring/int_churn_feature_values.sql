-- The churn features the fitted candidates read, in long form, one row per (snapshot_role,
-- user_key, feature): only the snapshots a fit scores (`eval` for the backtest, `score` for
-- serving) and only the features a regression or a tree uses, as doubles. What the SQL
-- scoring reads a feature's value from by its name (the regressions' standardised
-- contributions, the tree's splits).

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

feature_columns as (
    select
        snapshot_role,
        user_key,
        cast(columns(* exclude (snapshot_role, user_key, snapshot_date, label_window_end, is_churned)) as double)
    from scored_snapshots
),

feature_values as (
    unpivot feature_columns
    on columns(* exclude (snapshot_role, user_key))
    into name feature_name value feature_value
),

used_values as (
    select feature_values.*
    from feature_values
    inner join used_features on feature_values.feature_name = used_features.feature_name
)

select * from used_values
order by snapshot_role, user_key, feature_name
