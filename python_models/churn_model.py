"""The linear churn candidates as a table: per fit role and candidate, the intercept, and per
feature its scaling and coefficient."""

from customer_intel.ml.churn import (
    DATE_COLUMNS,
    RECENCY_FEATURE,
    churn_model_table,
    config_from_params,
    training_frame,
)
from customer_intel.ml.relations import to_engine


def model(dbt, session):
    """Fit the logistic regression and the calibrated recency baseline on the training snapshot
    of each fit role of int_churn_snapshots (backtest: `train`; serving: `eval`)."""
    dbt.config(materialized="table")
    # literal config.get calls: dbt passes a Python model only the config keys it sees used
    params = {
        "features": dbt.config.get("features"),
        "c": dbt.config.get("c"),
        "class_weight": dbt.config.get("class_weight"),
        "random_state": dbt.config.get("random_state"),
        "max_iter": dbt.config.get("max_iter"),
        "min_training_rows": dbt.config.get("min_training_rows"),
    }
    cfg = config_from_params(params)
    # only the training rows, and of them the key, the label and the features, leave the warehouse
    frame = training_frame(dbt.ref("int_churn_snapshots"), (*cfg.features, RECENCY_FEATURE))
    return to_engine(session, churn_model_table(frame, cfg), DATE_COLUMNS)
