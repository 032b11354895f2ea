"""Matrix factorization (truncated SVD): every person's factors given the published item factors."""

from customer_intel.ml.factorization import user_factors_table
from customer_intel.ml.relations import order_by, to_engine, to_pandas


def model(dbt, session):
    """Person factors x_u = r_u V, projected on item_factors (see customer_intel.ml.factorization)."""
    dbt.config(materialized="table")
    items = to_pandas(order_by(dbt.ref("int_recommendation_items"), ["item_index"]))
    item_factors = to_pandas(order_by(dbt.ref("item_factors"), ["snapshot_role", "item_id", "factor_index"]))
    table = user_factors_table(dbt.ref("int_recommendation_person_items"), items, item_factors)
    return to_engine(session, table)
