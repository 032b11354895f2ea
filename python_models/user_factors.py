"""Matrix factorization (truncated SVD): every person's factors given the published item factors."""

from customer_intel.ml.factorization import user_factors_table


def model(dbt, session):
    """Person factors x_u = r_u V, projected on item_factors (see customer_intel.ml.factorization)."""
    dbt.config(materialized="table")
    items = dbt.ref("int_recommendation_items").df()
    item_factors = dbt.ref("item_factors").df()
    return user_factors_table(dbt.ref("int_recommendation_person_items"), items, item_factors)
