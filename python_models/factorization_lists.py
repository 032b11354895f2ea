"""The factorization part of every recommendation list, scored by the package in blocks."""

from customer_intel.ml.factorization import factorization_lists_table, list_settings
from customer_intel.ml.relations import order_by, to_engine, to_pandas


def model(dbt, session):
    """Top-N items per list and person by x_u . y_i (see customer_intel.ml.factorization)."""
    dbt.config(materialized="table")
    top_n, serve_bought = list_settings(
        {"top_n": dbt.config.get("top_n"), "serve_bought": dbt.config.get("serve_bought")}
    )
    table = factorization_lists_table(
        dbt.ref("int_recommendation_person_items"),
        to_pandas(order_by(dbt.ref("int_recommendation_items"), ["item_index"])),
        to_pandas(order_by(dbt.ref("item_factors"), ["snapshot_role", "item_id", "factor_index"])),
        to_pandas(order_by(dbt.ref("user_factors"), ["snapshot_role", "user_index", "factor_index"])),
        top_n,
        serve_bought,
    )
    return to_engine(session, table)
