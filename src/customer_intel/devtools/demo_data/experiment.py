"""The planted A/B test: assignment of active people and the treatment's extra orders."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from customer_intel.devtools.demo_data.catalog import draw_items
from customer_intel.devtools.demo_data.config import (
    ARCHETYPES,
    CART,
    PURCHASE,
    SECONDS_PER_DAY,
    VIEW,
    GeneratorConfig,
)
from customer_intel.devtools.demo_data.simulate import event_frame

# The planted A/B test (written to experiment_assignments.parquet; its truth to _truth/truth.json).
# People active during the assignment period enter with EXPERIMENT_SHARE; treatment people get
# one extra order within EXPERIMENT_EFFECT_DAYS of assignment with probability EXPERIMENT_UPLIFT.
EXPERIMENT_ID = "checkout_coupon_banner"
EXPERIMENT_SHARE = 0.8
EXPERIMENT_UPLIFT = 0.2
EXPERIMENT_EFFECT_DAYS = 10.0
# assignment period: from 45 to 31 days before the end of the window
EXPERIMENT_ASSIGN_DAYS = (45.0, 31.0)


def plant_experiment(
    con: duckdb.DuckDBPyConnection,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
    items: pd.DataFrame,
    samplers: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]],
    order_offset: int,
) -> None:
    """Assign people active in the assignment period to control/treatment (50/50) and add one
    extra order (view, cart, purchase) for a share EXPERIMENT_UPLIFT of treatment people."""
    window = cfg.days * SECONDS_PER_DAY
    start = window - EXPERIMENT_ASSIGN_DAYS[0] * SECONDS_PER_DAY
    stop = window - EXPERIMENT_ASSIGN_DAYS[1] * SECONDS_PER_DAY
    users = con.execute(
        "select user_num, archetype_idx, favourite_category, active_from, churn_offset "
        f"from sim_users where active_from < {stop} and churn_offset > {start} order by user_num"
    ).df()
    enrolled = users[rng.random(len(users)) < EXPERIMENT_SHARE].reset_index(drop=True)
    assigned = rng.uniform(np.maximum(start, enrolled["active_from"]), stop)
    treated = rng.random(len(enrolled)) < 0.5
    con.register(
        "assignments_frame",
        pd.DataFrame({"user_num": enrolled["user_num"], "assigned_offset": assigned, "treated": treated}),
    )
    con.execute("create table sim_assignments as select * from assignments_frame")
    con.unregister("assignments_frame")
    lifted = np.flatnonzero(treated & (rng.random(len(enrolled)) < EXPERIMENT_UPLIFT))
    when = assigned[lifted] + rng.uniform(0.5, EXPERIMENT_EFFECT_DAYS, len(lifted)) * SECONDS_PER_DAY
    categories = enrolled["favourite_category"].to_numpy()[lifted]
    price_class = np.array([a.price_class for a in ARCHETYPES])[enrolled["archetype_idx"].to_numpy()[lifted]]
    item = draw_items(rng, samplers, categories, price_class)
    orders = order_offset + np.arange(len(lifted))
    price = np.round(items["list_price"].to_numpy()[item] * (1.0 - 0.1 * rng.random(len(lifted))), 2).clip(
        0.01
    )
    user_rows = enrolled["user_num"].to_numpy()[lifted]
    parts = [
        event_frame(user_rows, item, VIEW, -1, -1, np.nan, when - 600, np.zeros(len(lifted))),
        event_frame(user_rows, item, CART, -1, 1, np.nan, when - 300, np.zeros(len(lifted))),
        event_frame(user_rows, item, PURCHASE, orders, 1, price, when, np.zeros(len(lifted))),
    ]
    extra = pd.concat(parts, ignore_index=True).rename(columns={"user_row": "user_num"})
    extra = extra[extra["offset"] < window]
    con.register("extra_frame", extra[["item_idx", "event_type_idx", "order_num", "quantity", "unit_price",
                                       "offset", "channel_idx", "user_num"]])  # fmt: skip
    con.execute("insert into sim_events by name select * from extra_frame")
    con.unregister("extra_frame")
