"""Matrix factorization (truncated SVD): the fitted item factors of both snapshot roles."""

from customer_intel.ml.factorization import config_from_params, item_factors_table
from customer_intel.ml.relations import order_by, to_engine, to_pandas


def model(dbt, session):
    """Item factors y_i of the truncated SVD (see customer_intel.ml.factorization)."""
    dbt.config(materialized="table")
    # literal config.get calls: dbt passes a Python model only the config keys it sees used
    params = {
        "factors": dbt.config.get("factors"),
        "seed": dbt.config.get("seed"),
    }
    items = to_pandas(order_by(dbt.ref("int_recommendation_items"), ["item_index"]))
    table = item_factors_table(dbt.ref("int_recommendation_person_items"), items, config_from_params(params))
    return to_engine(session, table)
