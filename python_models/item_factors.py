"""Matrix factorization (truncated SVD): the fitted item factors of both snapshot roles."""

from customer_intel.ml.factorization import config_from_params, item_factors_table


def model(dbt, session):
    """Item factors y_i of the truncated SVD (see customer_intel.ml.factorization)."""
    dbt.config(materialized="table")
    # literal config.get calls: dbt passes a Python model only the config keys it sees used
    params = {
        "factors": dbt.config.get("factors"),
        "seed": dbt.config.get("seed"),
    }
    items = dbt.ref("int_recommendation_items").df()
    return item_factors_table(dbt.ref("int_recommendation_person_items"), items, config_from_params(params))
