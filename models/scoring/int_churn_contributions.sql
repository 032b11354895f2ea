-- Each feature's contribution to the linear churn candidates' scores (churn_model: the logistic
-- regression and the calibrated recency baseline), for every person of the snapshot each fit
-- scores (backtest fit: `eval`; serving fit: `score`): z = (x - mean) / std with the fit's
-- training scaling, contribution = coefficient × z. Long form, one row per (snapshot_role,
-- model_name, user_key, feature) of the fitted candidates.

with

feature_values as (
    select * from {{ ref('int_churn_feature_values') }}
),

churn_model as (
    select * from {{ ref('churn_model') }}
),

standardized as (
    select
        feature_values.snapshot_role,
        churn_model.model_name,
        feature_values.user_key,
        churn_model.feature_name,
        churn_model.feature_order,
        feature_values.feature_value,
        {{ standardize('feature_values.feature_value', 'churn_model.feature_mean', 'churn_model.feature_std') }}
            as standardized_value,
        churn_model.coefficient
    from churn_model
    inner join feature_values
        on
            churn_model.scored_snapshot_role = feature_values.snapshot_role
            and churn_model.feature_name = feature_values.feature_name
),

contributions as (
    select
        snapshot_role,
        model_name,
        user_key,
        feature_name,
        feature_order,
        feature_value,
        standardized_value,
        coefficient,
        coefficient * standardized_value as contribution
    from standardized
)

select * from contributions
order by snapshot_role, model_name, user_key, feature_order
