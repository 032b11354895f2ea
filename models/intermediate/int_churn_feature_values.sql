-- Every numeric feature of int_churn_snapshots in long form, one row per (snapshot_role,
-- user_key, feature): what the SQL scoring of the churn candidates reads a feature's value from
-- by its name (the regressions' standardised contributions, the tree's splits). Values are
-- doubles; the label, dates and keys are not features.

with

churn_snapshots as (
    select * from {{ ref('int_churn_snapshots') }}
),

feature_columns as (
    select
        snapshot_role,
        user_key,
        cast(columns(* exclude (snapshot_role, user_key, snapshot_date, label_window_end, is_churned)) as double)
    from churn_snapshots
),

feature_values as (
    unpivot feature_columns
    on columns(* exclude (snapshot_role, user_key))
    into name feature_name value feature_value
)

select * from feature_values
order by snapshot_role, user_key, feature_name
