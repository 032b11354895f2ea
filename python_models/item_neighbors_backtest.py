"""Top-K similar items trained on the backtest interactions (as of as_of_date minus the backtest days)."""

from customer_intel.ml.recommend import config_from_params, item_neighbors_from_relations
from customer_intel.ml.relations import to_engine


def model(dbt, session):
    """Sparse item-item similarity, top K neighbours per item (see customer_intel.ml.recommend)."""
    dbt.config(materialized="table")
    # literal config.get calls: dbt passes a Python model only the config keys it sees used
    params = {
        "similarity": dbt.config.get("similarity"),
        "k": dbt.config.get("k"),
        "min_co_users": dbt.config.get("min_co_users"),
        "shrinkage": dbt.config.get("shrinkage"),
        "block_items": dbt.config.get("block_items"),
    }
    # only coded positive interactions of merchandise items leave the warehouse
    table = item_neighbors_from_relations(
        dbt.ref("int_recommendation_backtest_interactions"),
        dbt.ref("int_recommendation_backtest_popularity"),
        config_from_params(params),
    )
    return to_engine(session, table)
