"""Top-K similar items of every item, from the current snapshot of the user-item matrix."""

from customer_intel.ml.recommend import config_from_params, item_neighbors_from_relations
from customer_intel.ml.relations import to_engine
from customer_intel.ml.snapshots import rows_at_snapshot


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
    snapshots = dbt.ref("int_feature_snapshots")
    interactions = rows_at_snapshot(
        dbt.ref("int_user_item_interactions_snapshots"), snapshots, "current", "as_of_date"
    )
    popularity = rows_at_snapshot(dbt.ref("int_item_popularity_snapshots"), snapshots, "current")
    # only coded positive interactions of merchandise items leave the warehouse
    table = item_neighbors_from_relations(interactions, popularity, config_from_params(params))
    return to_engine(session, table)
