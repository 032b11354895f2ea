"""The churn decision tree as a node table, one tree per fit role (backtest and serving)."""

from customer_intel.ml.churn import DATE_COLUMNS, training_frame
from customer_intel.ml.churn_tree import churn_tree_table, tree_config_from_params
from customer_intel.ml.relations import to_engine


def model(dbt, session):
    """Fit the entropy tree on the training snapshot of each fit role of int_churn_snapshots."""
    dbt.config(materialized="table")
    # literal config.get calls: dbt passes a Python model only the config keys it sees used
    params = {
        "features": dbt.config.get("features"),
        "max_depth": dbt.config.get("max_depth"),
        "min_leaf_share": dbt.config.get("min_leaf_share"),
        "random_state": dbt.config.get("random_state"),
        "min_training_rows": dbt.config.get("min_training_rows"),
    }
    cfg = tree_config_from_params(params)
    # only the training rows, and of them the key, the label and the features, leave the warehouse
    frame = training_frame(dbt.ref("int_churn_snapshots"), cfg.features)
    return to_engine(session, churn_tree_table(frame, cfg), DATE_COLUMNS)
