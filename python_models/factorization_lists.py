"""The factorization part of every recommendation list, scored by the package in blocks."""

from customer_intel.ml.factorization import factorization_lists_table, list_settings


def model(dbt, session):
    """Top-N items per list and person by x_u . y_i (see customer_intel.ml.factorization)."""
    dbt.config(materialized="table")
    top_n, serve_bought = list_settings(
        {"top_n": dbt.config.get("top_n"), "serve_bought": dbt.config.get("serve_bought")}
    )
    return factorization_lists_table(
        dbt.ref("int_recommendation_person_items"),
        dbt.ref("int_recommendation_items").df(),
        dbt.ref("item_factors").df(),
        dbt.ref("user_factors").df(),
        top_n,
        serve_bought,
    )
