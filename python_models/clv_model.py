"""BG/NBD and Gamma-Gamma fitted by maximum likelihood, as a long table of parameters."""

from customer_intel.ml.clv import clv_model_table, spend_frame, summary_frame
from customer_intel.ml.relations import to_engine


def model(dbt, session):
    """Fit both models on each snapshot of int_clv_customer_base (backtest: `calibration`,
    serving: `current`); only the grouped summary and the repeat buyers' mean values leave
    the warehouse."""
    dbt.config(materialized="table")
    min_repeat_customers = int(dbt.config.get("min_repeat_customers"))
    base = dbt.ref("int_clv_customer_base")
    table = clv_model_table(summary_frame(base), spend_frame(base), min_repeat_customers)
    return to_engine(session, table, ["calibration_end_date"])
