"""The item-CF part of every recommendation list, scored in bounded memory by the package."""

from customer_intel.ml.cf_scoring import config_from_params, item_cf_lists_table
from customer_intel.ml.relations import order_by, select, to_engine, to_pandas


def model(dbt, session):
    """Top-N item-CF items per list and person (see customer_intel.ml.cf_scoring)."""
    dbt.config(materialized="table")
    # literal config.get calls: dbt passes a Python model only the config keys it sees used
    params = {
        "top_n": dbt.config.get("top_n"),
        "history_items": dbt.config.get("history_items"),
        "serve_bought": dbt.config.get("serve_bought"),
        "max_block_contributions": dbt.config.get("max_block_contributions"),
    }
    # dbt reads the refs from the code: literal names
    current, backtest = dbt.ref("item_neighbors"), dbt.ref("item_neighbors_backtest")
    links = ["item_id", "neighbor_item_id", "similarity"]
    neighbors = {
        "current": to_pandas(order_by(select(current, links), links[:2])),
        "recommendation_backtest": to_pandas(order_by(select(backtest, links), links[:2])),
    }
    items = to_pandas(order_by(dbt.ref("int_recommendation_items"), ["item_index"]))
    person_items = dbt.ref("int_recommendation_person_items")
    return to_engine(session, item_cf_lists_table(person_items, items, neighbors, config_from_params(params)))
