-- Each feature's contribution to the churn score, for every person of every snapshot:
-- z = (x - mean) / std with the training scaling of churn_model, contribution = coefficient × z.
-- Long form, one row per (snapshot_role, user_key, feature) of the model.

with

churn_snapshots as (
    select * from {{ ref('int_churn_snapshots') }}
),

churn_model as (
    select * from {{ ref('churn_model') }}
),

feature_columns as (
    select
        snapshot_role,
        user_key,
        columns(* exclude (
            snapshot_role, user_key, snapshot_date, label_window_end, is_churned, recency_days,
            frequency, monetary
        ))
    from churn_snapshots
),

feature_values as (
    unpivot feature_columns
    on columns(* exclude (snapshot_role, user_key))
    into name feature_name value feature_value
),

standardized as (
    select
        feature_values.snapshot_role,
        feature_values.user_key,
        churn_model.feature_name,
        churn_model.feature_order,
        feature_values.feature_value,
        {{ standardize('feature_values.feature_value', 'churn_model.feature_mean', 'churn_model.feature_std') }}
            as standardized_value,
        churn_model.coefficient
    from feature_values
    inner join churn_model on feature_values.feature_name = churn_model.feature_name
),

contributions as (
    select
        snapshot_role,
        user_key,
        feature_name,
        feature_order,
        feature_value,
        standardized_value,
        coefficient * standardized_value as contribution
    from standardized
)

select * from contributions
order by snapshot_role, user_key, feature_order
