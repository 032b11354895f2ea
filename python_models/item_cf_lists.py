"""The item-CF part of every recommendation list, scored in bounded memory by the package."""

from customer_intel.ml.cf_scoring import config_from_params, item_cf_lists_table


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
    neighbors = {
        "current": dbt.ref("item_neighbors").project("item_id, neighbor_item_id, similarity").df(),
        "recommendation_backtest": dbt.ref("item_neighbors_backtest")
        .project("item_id, neighbor_item_id, similarity")
        .df(),
    }
    items = dbt.ref("int_recommendation_items").df()
    person_items = dbt.ref("int_recommendation_person_items")
    return item_cf_lists_table(person_items, items, neighbors, config_from_params(params))
