"""Deterministic demo-data generator writing the raw-data contract (events, users, items).

The data is synthetic but planted with structure the warehouse must find (see README, "Demo
data"): customer archetypes with distinct RFM behaviour, a churn process driven by observable
behaviour, item categories with co-purchase affinity, private-domain channels, and a small share
of bad rows of every defect kind the quarantine knows. The ground truth is written to
`<out>/_truth/`, beside the data; no model reads it, only tests do.

Memory stays bounded: users are simulated in fixed-size chunks that are appended to an on-disk
DuckDB scratch database, and DuckDB sorts and writes the final Parquet files (spilling if needed).

Usage: python -m customer_intel.demo_data --out data/demo [--seed 42 --users 4000 --items 400
--days 365 --end-date 2026-06-30]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

SECONDS_PER_DAY = 86_400
# Fixed so that the output depends only on (seed, users, items, days, end_date), never on memory.
CHUNK_USERS = 20_000

EVENT_TYPES = ("view", "add_to_cart", "purchase", "refund")
VIEW, CART, PURCHASE, REFUND = range(4)
CHANNELS = ("mini_program", "official_account", "community_group", "app")
ACQUISITION_CHANNELS = ("wechat_ad", "referral", "community_group", "organic_search", "offline_store")
CITIES = (
    "Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Hangzhou", "Chengdu", "Wuhan", "Nanjing",
    "Xi'an", "Suzhou",
)  # fmt: skip

# Category -> (base price, brands). Pairs in AFFINITY are bought together far more than chance.
CATEGORIES: dict[str, tuple[float, tuple[str, ...]]] = {
    "coffee": (12.0, ("Beanery", "Roastwell")),
    "tea": (9.0, ("Leaf&Co", "Teapot")),
    "snacks": (4.0, ("Crunchy", "Nibble")),
    "skincare": (28.0, ("Glow", "Derma+")),
    "makeup": (22.0, ("Blush", "Hue")),
    "haircare": (14.0, ("Silk", "Mane")),
    "baby": (18.0, ("Tiny", "Cradle")),
    "home": (25.0, ("Nest", "Hearth")),
    "kitchen": (30.0, ("Chef", "Pan&Pot")),
    "apparel": (35.0, ("Thread", "Loom")),
    "sports": (40.0, ("Stride", "Peak")),
    "electronics": (60.0, ("Volt", "Byte")),
}
AFFINITY: tuple[tuple[str, str], ...] = (
    ("coffee", "snacks"),
    ("tea", "snacks"),
    ("skincare", "makeup"),
    ("haircare", "skincare"),
    ("baby", "home"),
    ("kitchen", "home"),
    ("sports", "apparel"),
    ("electronics", "sports"),
)
AFFINITY_PROBABILITY = 0.45

# The planted A/B test (written to experiment_assignments.parquet; its truth to _truth/truth.json).
# People active during the assignment period enter with EXPERIMENT_SHARE; treatment people get
# one extra order within EXPERIMENT_EFFECT_DAYS of assignment with probability EXPERIMENT_UPLIFT.
EXPERIMENT_ID = "checkout_coupon_banner"
EXPERIMENT_SHARE = 0.8
EXPERIMENT_UPLIFT = 0.2
EXPERIMENT_EFFECT_DAYS = 10.0
# assignment period: from 45 to 31 days before the end of the window
EXPERIMENT_ASSIGN_DAYS = (45.0, 31.0)


@dataclass(frozen=True)
class Archetype:
    """Behavioural parameters of one planted customer archetype."""

    name: str
    share: float
    session_rate: float  # sessions per active day at engagement 0
    cart_probability: float  # per session
    buy_probability: float  # per session with a cart
    price_class: int  # 0 cheap, 1 mid, 2 premium: which items the user is drawn to
    max_discount: float  # purchases happen at list price x (1 - U(0, max_discount))
    refund_probability: float  # per purchased line, before the user's own multiplier
    lifetime_days: float  # mean of the exponential lifetime at engagement 0
    channel_weights: tuple[float, float, float, float]
    new_user: bool = False  # signs up within the last 60 days
    views_per_session: float = 2.5  # mean of the geometric number of views in a session


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("loyal_high_spender", 0.12, 0.16, 0.80, 0.85, 2, 0.05, 0.02, 6000.0,
              (0.45, 0.10, 0.05, 0.40)),
    Archetype("bargain_hunter", 0.22, 0.12, 0.55, 0.45, 0, 0.5, 0.06, 2500.0,
              (0.25, 0.15, 0.50, 0.10)),
    Archetype("new_user", 0.12, 0.08, 0.50, 0.55, 1, 0.10, 0.04, 1500.0,
              (0.50, 0.20, 0.15, 0.15), new_user=True),
    Archetype("lapsing", 0.18, 0.18, 0.50, 0.50, 1, 0.10, 0.10, 120.0,
              (0.30, 0.40, 0.15, 0.15)),
    Archetype("window_shopper", 0.20, 0.10, 0.30, 0.15, 1, 0.10, 0.05, 2000.0,
              (0.35, 0.35, 0.10, 0.20), views_per_session=7.0),
    Archetype("occasional", 0.16, 0.03, 0.75, 0.80, 2, 0.0, 0.04, 3000.0,
              (0.30, 0.30, 0.20, 0.20), views_per_session=1.3),
)  # fmt: skip

# Defect kinds planted as extra rows (copies of real events, altered). Keys are the reject
# reasons the warehouse must assign; `duplicate_event_id` rows are exact copies and
# `unknown_user` rows are kept (flagged), so they appear under outcome 'duplicate' / 'kept'.
DEFECT_KINDS: tuple[str, ...] = (
    "missing_event_id",
    "missing_user_id",
    "unknown_event_type",
    "missing_item_id",
    "missing_order_id",
    "non_positive_quantity",
    "non_positive_price",
    "missing_timestamp",
    "timestamp_before_2000",
    "timestamp_in_future",
    "duplicate_event_id",
    "unknown_user",
)


@dataclass(frozen=True)
class GeneratorConfig:
    """Inputs that fully determine the generated data."""

    seed: int = 42
    users: int = 4000
    items: int = 400
    days: int = 365
    end_date: date = date(2026, 6, 30)
    bad_row_share: float = 0.004

    @property
    def start_epoch(self) -> int:
        """First second of the simulated window (UTC)."""
        start = datetime.combine(self.end_date, datetime.min.time()) - timedelta(days=self.days - 1)
        return int((start - datetime(1970, 1, 1)).total_seconds())


def build_items(cfg: GeneratorConfig, rng: np.random.Generator) -> pd.DataFrame:
    """Return the item catalog: id, name, category, brand, list price, popularity, price class."""
    names = list(CATEGORIES)
    category_idx = np.arange(cfg.items) % len(names)
    rng.shuffle(category_idx)
    base = np.array([CATEGORIES[n][0] for n in names])[category_idx]
    price = np.round(base * rng.lognormal(0.0, 0.45, cfg.items), 2).clip(0.5)
    brand_pick = rng.integers(0, 2, cfg.items)
    popularity = rng.pareto(1.2, cfg.items) + 0.05
    items = pd.DataFrame(
        {
            "item_idx": np.arange(cfg.items),
            "category_idx": category_idx,
            "brand_pick": brand_pick,
            "list_price": price,
            "popularity": popularity,
        }
    )
    # price class within category: cheapest third 0, middle 1, top third 2
    items["price_class"] = (
        items.groupby("category_idx")["list_price"].rank(pct=True, method="first").mul(3).clip(0, 2.999)
    ).astype(int)
    return items


def item_sampler(
    items: pd.DataFrame, n_categories: int
) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """Per (category, price class): candidate item indices and their cumulative weights."""
    samplers: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    for cat in range(n_categories):
        in_cat = items[items["category_idx"] == cat]
        for price_class in range(3):
            if in_cat.empty:
                idx, cum = np.array([0]), np.array([1.0])
            else:
                # users prefer their own price class 6:1 over the others
                boost = np.where(in_cat["price_class"].to_numpy() == price_class, 6.0, 1.0)
                w = in_cat["popularity"].to_numpy() * boost
                idx = in_cat["item_idx"].to_numpy()
                cum = np.cumsum(w) / w.sum()
            samplers[(cat, price_class)] = (idx, cum)
    return samplers


def draw_items(
    rng: np.random.Generator,
    samplers: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]],
    categories: np.ndarray,
    price_classes: np.ndarray,
) -> np.ndarray:
    """Draw one item per (category, price class) pair, vectorised per group."""
    out = np.empty(len(categories), dtype=np.int64)
    keys = categories * 3 + price_classes
    for key in np.unique(keys):
        mask = keys == key
        idx, cum = samplers[(int(key) // 3, int(key) % 3)]
        pick = np.searchsorted(cum, rng.random(mask.sum()), side="right").clip(0, len(idx) - 1)
        out[mask] = idx[pick]
    return out


def simulate_users(cfg: GeneratorConfig, rng: np.random.Generator, first: int, count: int) -> pd.DataFrame:
    """Draw archetype, engagement, preferences, signup and churn times for users [first, first+count)."""
    shares = np.array([a.share for a in ARCHETYPES])
    arch = rng.choice(len(ARCHETYPES), size=count, p=shares / shares.sum())
    n_cat = len(CATEGORIES)
    engagement = rng.normal(0.0, 0.6, count)
    is_new = np.array([a.new_user for a in ARCHETYPES])[arch]
    window = cfg.days * SECONDS_PER_DAY
    # established users signed up up to a year before the window; new users in its last 60 days
    signup = np.where(
        is_new,
        window - rng.uniform(0, min(60, cfg.days) * SECONDS_PER_DAY, count),
        rng.uniform(-365 * SECONDS_PER_DAY, window * 0.7, count),
    )
    lapsing = np.array([a.name == "lapsing" for a in ARCHETYPES])[arch]
    # lapsing users are established before the window so their decline is visible in it
    signup = np.where(lapsing, rng.uniform(-365 * SECONDS_PER_DAY, 0, count), signup)
    refund_multiplier = rng.lognormal(0.0, 0.5, count)
    refund_p = np.array([a.refund_probability for a in ARCHETYPES])[arch] * refund_multiplier
    # churn hazard rises with refund propensity and falls with engagement: both observable
    lifetime_mean = (
        np.array([a.lifetime_days for a in ARCHETYPES])[arch]
        * np.exp(0.9 * engagement)
        / (1.0 + 8.0 * refund_p)
    )
    lifetime = rng.exponential(lifetime_mean) * SECONDS_PER_DAY
    active_from = np.maximum(signup, 0.0)
    churn_at = signup + np.maximum(lifetime, 3 * SECONDS_PER_DAY)
    lapsing_floor = rng.uniform(0.15, 0.6, count) * window  # lapsing users stay a while, then stop
    churn_at = np.where(lapsing, np.maximum(np.minimum(churn_at, window * 0.75), lapsing_floor), churn_at)
    return pd.DataFrame(
        {
            "user_num": np.arange(first, first + count),
            "archetype_idx": arch,
            "engagement": engagement,
            "favourite_category": rng.integers(0, n_cat, count),
            "second_category": rng.integers(0, n_cat, count),
            "signup_offset": signup,
            "active_from": active_from,
            "churn_offset": churn_at,
            "refund_probability": refund_p.clip(0, 0.6),
            "city_idx": rng.integers(0, len(CITIES), count),
            "acq_idx": rng.integers(0, len(ACQUISITION_CHANNELS), count),
            "birth_year": rng.integers(1960, 2006, count),
        }
    )


def _attr(users: pd.DataFrame, field: str) -> np.ndarray:
    """Per-user value of an Archetype field."""
    return np.array([getattr(a, field) for a in ARCHETYPES])[users["archetype_idx"].to_numpy()]


def simulate_events(
    cfg: GeneratorConfig,
    rng: np.random.Generator,
    users: pd.DataFrame,
    items: pd.DataFrame,
    samplers: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]],
    order_offset: int,
) -> tuple[pd.DataFrame, int]:
    """Simulate sessions -> views, carts, purchases (orders with affinity lines) and refunds."""
    window = cfg.days * SECONDS_PER_DAY
    start = users["active_from"].to_numpy()
    stop = np.minimum(users["churn_offset"].to_numpy(), window)
    active_days = np.clip(stop - start, 0, None) / SECONDS_PER_DAY
    rate = _attr(users, "session_rate") * np.exp(0.6 * users["engagement"].to_numpy())
    n_sessions = rng.poisson(rate * active_days)
    s_user = np.repeat(np.arange(len(users)), n_sessions)
    s_time = start[s_user] + rng.random(len(s_user)) * (stop - start)[s_user]
    channel_w = np.array([a.channel_weights for a in ARCHETYPES])[users["archetype_idx"].to_numpy()]
    cum_channel = np.cumsum(channel_w, axis=1)[s_user]
    s_channel = (rng.random(len(s_user))[:, None] > cum_channel).sum(axis=1).clip(0, 3)
    price_class = _attr(users, "price_class")[s_user]
    fav = users["favourite_category"].to_numpy()[s_user]
    second = users["second_category"].to_numpy()[s_user]
    u = rng.random(len(s_user))
    n_cat = len(CATEGORIES)
    s_category = np.where(u < 0.65, fav, np.where(u < 0.9, second, rng.integers(0, n_cat, len(s_user))))

    # views: 1 + geometric per session, first viewed item is the session's main item
    n_views = rng.geometric(1.0 / _attr(users, "views_per_session")[s_user])
    v_session = np.repeat(np.arange(len(s_user)), n_views)
    v_item = draw_items(rng, samplers, s_category[v_session], price_class[v_session])
    v_step = np.arange(len(v_session)) - np.repeat(np.cumsum(n_views) - n_views, n_views)
    v_time = s_time[v_session] + v_step * rng.integers(20, 240, len(v_session))
    main_item = v_item[np.cumsum(n_views) - n_views]

    has_cart = rng.random(len(s_user)) < _attr(users, "cart_probability")[s_user]
    bought = has_cart & (rng.random(len(s_user)) < _attr(users, "buy_probability")[s_user])
    c_sessions = np.flatnonzero(has_cart)
    c_time = s_time[c_sessions] + n_views[c_sessions] * 240 + 60

    # orders: main item, plus an affinity partner with probability AFFINITY_PROBABILITY
    o_sessions = np.flatnonzero(bought)
    partner_of = _affinity_partner_table(rng)
    main_cat = items["category_idx"].to_numpy()[main_item[o_sessions]]
    add_partner = rng.random(len(o_sessions)) < AFFINITY_PROBABILITY
    partner_cat = partner_of[main_cat]
    p_sessions = o_sessions[add_partner]
    p_items = draw_items(rng, samplers, partner_cat[add_partner], price_class[p_sessions])
    line_session = np.concatenate([o_sessions, p_sessions])
    line_item = np.concatenate([main_item[o_sessions], p_items])
    order_num = order_offset + np.searchsorted(o_sessions, line_session)
    line_time = s_time[line_session] + n_views[line_session] * 240 + 300
    quantity = rng.geometric(0.6, len(line_session))
    discount = rng.random(len(line_session)) * _attr(users, "max_discount")[s_user[line_session]]
    unit_price = np.round(items["list_price"].to_numpy()[line_item] * (1.0 - discount), 2).clip(0.01)

    refunded = rng.random(len(line_session)) < users["refund_probability"].to_numpy()[s_user[line_session]]
    r_time = line_time[refunded] + rng.uniform(1, 14, refunded.sum()) * SECONDS_PER_DAY
    r_keep = r_time < window
    r_idx = np.flatnonzero(refunded)[r_keep]

    parts = [
        _frame(s_user[v_session], v_item, VIEW, -1, -1, np.nan, v_time, s_channel[v_session]),
        _frame(s_user[c_sessions], main_item[c_sessions], CART, -1, 1, np.nan, c_time, s_channel[c_sessions]),
        _frame(s_user[line_session], line_item, PURCHASE, order_num, quantity, unit_price, line_time,
               s_channel[line_session]),
        _frame(s_user[line_session[r_idx]], line_item[r_idx], REFUND, order_num[r_idx], quantity[r_idx],
               unit_price[r_idx], r_time[r_keep], s_channel[line_session[r_idx]]),
    ]  # fmt: skip
    events = pd.concat(parts, ignore_index=True)
    events = events[events["offset"] < window]
    events["user_num"] = users["user_num"].to_numpy()[events.pop("user_row").to_numpy()]
    return events, len(o_sessions)


def _affinity_partner_table(rng: np.random.Generator) -> np.ndarray:
    """For each category index, the category its orders pull in (affinity pair, else itself)."""
    names = list(CATEGORIES)
    partner = np.arange(len(names))
    for a, b in AFFINITY:
        partner[names.index(a)] = names.index(b)
        if partner[names.index(b)] == names.index(b):
            partner[names.index(b)] = names.index(a)
    return partner


def _frame(user_row, item, event_type, order_num, quantity, unit_price, offset, channel) -> pd.DataFrame:
    """Assemble one event-type block with numeric columns only (strings are made in DuckDB)."""
    n = len(offset)
    return pd.DataFrame(
        {
            "user_row": np.asarray(user_row, dtype=np.int64),
            "item_idx": np.broadcast_to(np.asarray(item, dtype=np.int64), n).copy(),
            "event_type_idx": np.full(n, event_type, dtype=np.int8),
            "order_num": np.broadcast_to(np.asarray(order_num, dtype=np.int64), n).copy(),
            "quantity": np.broadcast_to(np.asarray(quantity, dtype=np.int64), n).copy(),
            "unit_price": np.broadcast_to(np.asarray(unit_price, dtype=np.float64), n).copy(),
            "offset": np.asarray(offset, dtype=np.float64),
            "channel_idx": np.asarray(channel, dtype=np.int8),
        }
    )


def _lookup_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Small dimension tables used to turn numeric codes into contract strings."""
    con.execute("create table event_types as select * from (values "
                + ", ".join(f"({i}, '{t}')" for i, t in enumerate(EVENT_TYPES))
                + ") v(event_type_idx, event_type)")  # fmt: skip
    con.execute("create table channels as select * from (values "
                + ", ".join(f"({i}, '{c}')" for i, c in enumerate(CHANNELS))
                + ") v(channel_idx, channel)")  # fmt: skip


def generate(cfg: GeneratorConfig, out: Path) -> dict[str, int]:
    """Generate the contract files into `out` (and ground truth into `out/_truth`); return counts."""
    out.mkdir(parents=True, exist_ok=True)
    truth_dir = out / "_truth"
    truth_dir.mkdir(exist_ok=True)
    seeds = np.random.SeedSequence(cfg.seed).spawn(3 + (cfg.users + CHUNK_USERS - 1) // CHUNK_USERS)
    items = build_items(cfg, np.random.default_rng(seeds[0]))
    samplers = item_sampler(items, len(CATEGORIES))
    scratch_dir = Path(tempfile.mkdtemp(prefix="demo_data_"))
    try:
        con = duckdb.connect(str(scratch_dir / "scratch.duckdb"))
        _lookup_tables(con)
        order_offset = 0
        for chunk, first in enumerate(range(0, cfg.users, CHUNK_USERS)):
            rng = np.random.default_rng(seeds[3 + chunk])
            users = simulate_users(cfg, rng, first, min(CHUNK_USERS, cfg.users - first))
            events, n_orders = simulate_events(cfg, rng, users, items, samplers, order_offset)
            order_offset += n_orders
            con.register("users_chunk", users)
            con.register("events_chunk", events)
            verb = "create table" if chunk == 0 else "insert into"
            con.execute(f"{verb} sim_users {'as ' if chunk == 0 else ''}select * from users_chunk")
            con.execute(f"{verb} sim_events {'as ' if chunk == 0 else ''}select * from events_chunk")
            con.unregister("users_chunk")
            con.unregister("events_chunk")
        _plant_experiment(con, cfg, np.random.default_rng(seeds[2]), items, samplers, order_offset)
        con.register("items_frame", items)
        con.execute("create table sim_items as select * from items_frame")
        _write_items(con, out)
        _write_users(con, cfg, out)
        _write_assignments(con, cfg, out)
        counts = _write_events(con, cfg, np.random.default_rng(seeds[1]), out)
        _write_truth(con, cfg, truth_dir, counts)
        con.close()
    finally:
        shutil.rmtree(scratch_dir, ignore_errors=True)
    return counts


def _plant_experiment(
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
        _frame(user_rows, item, VIEW, -1, -1, np.nan, when - 600, np.zeros(len(lifted))),
        _frame(user_rows, item, CART, -1, 1, np.nan, when - 300, np.zeros(len(lifted))),
        _frame(user_rows, item, PURCHASE, orders, 1, price, when, np.zeros(len(lifted))),
    ]
    extra = pd.concat(parts, ignore_index=True).rename(columns={"user_row": "user_num"})
    extra = extra[extra["offset"] < window]
    con.register("extra_frame", extra[["item_idx", "event_type_idx", "order_num", "quantity", "unit_price",
                                       "offset", "channel_idx", "user_num"]])  # fmt: skip
    con.execute("insert into sim_events by name select * from extra_frame")
    con.unregister("extra_frame")


def _write_assignments(con: duckdb.DuckDBPyConnection, cfg: GeneratorConfig, out: Path) -> None:
    """Write experiment_assignments.parquet (the optional contract file) from the plan."""
    con.execute(
        f"""
        copy (
            select
                printf('U%07d', user_num) as user_id,
                '{EXPERIMENT_ID}' as experiment_id,
                case when treated then 'treatment' else 'control' end as variant,
                to_timestamp({cfg.start_epoch} + floor(assigned_offset))::timestamp as assigned_at
            from sim_assignments
            order by user_num
        ) to '{out / "experiment_assignments.parquet"}' (format parquet)
        """
    )


def _write_items(con: duckdb.DuckDBPyConnection, out: Path) -> None:
    """Write items.parquet from the simulated catalog."""
    names = list(CATEGORIES)
    cat_values = ", ".join(
        f"({i}, '{n}', '{CATEGORIES[n][1][0]}', '{CATEGORIES[n][1][1]}')" for i, n in enumerate(names)
    )
    con.execute(
        f"create table categories as select * from (values {cat_values}) "
        "v(category_idx, category, brand_a, brand_b)"
    )
    con.execute(
        f"""
        copy (
            select
                printf('I%05d', i.item_idx) as item_id,
                c.category || ' item ' || printf('%05d', i.item_idx) as item_name,
                c.category,
                case when i.brand_pick = 0 then c.brand_a else c.brand_b end as brand,
                cast(i.list_price as decimal(18, 2)) as list_price
            from sim_items as i
            join categories as c using (category_idx)
            order by i.item_idx
        ) to '{out / "items.parquet"}' (format parquet)
        """
    )


def _write_users(con: duckdb.DuckDBPyConnection, cfg: GeneratorConfig, out: Path) -> None:
    """Write users.parquet (with fake, clearly synthetic PII) from the simulated users."""
    cities = ", ".join(f"({i}, '{c.replace(chr(39), chr(39) * 2)}')" for i, c in enumerate(CITIES))
    acq = ", ".join(f"({i}, '{c}')" for i, c in enumerate(ACQUISITION_CHANNELS))
    con.execute(
        f"""
        copy (
            select
                printf('U%07d', u.user_num) as user_id,
                to_timestamp({cfg.start_epoch} + floor(u.signup_offset))::timestamp as signed_up_at,
                printf('user%07d@example.com', u.user_num) as email,
                printf('+86 139%08d', u.user_num) as phone,
                c.city,
                cast(u.birth_year as integer) as birth_year,
                a.acquisition_channel
            from sim_users as u
            join (values {cities}) as c(city_idx, city) using (city_idx)
            join (values {acq}) as a(acq_idx, acquisition_channel) using (acq_idx)
            order by u.user_num
        ) to '{out / "users.parquet"}' (format parquet)
        """
    )


def _write_events(
    con: duckdb.DuckDBPyConnection, cfg: GeneratorConfig, rng: np.random.Generator, out: Path
) -> dict[str, int]:
    """Number the clean events, append planted bad rows, write events.parquet; return counts."""
    con.execute(
        f"""
        create table numbered as
        select
            row_number() over (order by e.offset, e.user_num, e.event_type_idx, e.item_idx, e.order_num)
                as event_num,
            printf('U%07d', e.user_num) as user_id,
            t.event_type,
            printf('I%05d', e.item_idx) as item_id,
            case when e.order_num >= 0 then printf('O%09d', e.order_num) end as order_id,
            case when e.quantity >= 0 then cast(e.quantity as integer) end as quantity,
            cast(e.unit_price as decimal(18, 2)) as unit_price,
            to_timestamp({cfg.start_epoch} + floor(e.offset))::timestamp as event_at,
            c.channel
        from sim_events as e
        join event_types as t using (event_type_idx)
        join channels as c using (channel_idx)
        """
    )
    n_clean = con.execute("select count(*) from numbered").fetchall()[0][0]
    per_kind = max(1, round(n_clean * cfg.bad_row_share / len(DEFECT_KINDS)))
    picks = rng.choice(n_clean, size=min(n_clean, per_kind * len(DEFECT_KINDS)), replace=False) + 1
    defects = pd.DataFrame({"event_num": picks, "defect": np.resize(np.array(DEFECT_KINDS), len(picks))})
    con.register("defects_frame", defects)
    con.execute("create table defects as select * from defects_frame")
    con.execute(
        f"""
        copy (
            with clean as (
                select printf('E%010d', event_num) as event_id, * exclude (event_num),
                    event_num as sort_num, 0 as sort_kind
                from numbered
            ),
            bad as (
                select
                    case when d.defect = 'missing_event_id' then null
                         when d.defect = 'duplicate_event_id' then printf('E%010d', n.event_num)
                         else printf('X%010d', n.event_num) end as event_id,
                    case when d.defect = 'missing_user_id' then null
                         when d.defect = 'unknown_user' then 'GHOST-' || n.user_id
                         else n.user_id end as user_id,
                    case when d.defect = 'unknown_event_type' then 'page_ping'
                         when d.defect in ('missing_order_id', 'non_positive_quantity', 'non_positive_price')
                              then 'purchase'
                         when d.defect = 'missing_item_id' then 'view'
                         else n.event_type end as event_type,
                    case when d.defect = 'missing_item_id' then null else n.item_id end as item_id,
                    case when d.defect = 'missing_order_id' then null
                         when d.defect in ('non_positive_quantity', 'non_positive_price')
                              then coalesce(n.order_id, 'OBAD' || n.event_num)
                         when d.defect = 'missing_item_id' then null
                         else n.order_id end as order_id,
                    case when d.defect = 'non_positive_quantity' then -1
                         when d.defect in ('missing_order_id', 'non_positive_price')
                              then coalesce(n.quantity, 1)
                         else n.quantity end as quantity,
                    case when d.defect = 'non_positive_price' then 0
                         when d.defect in ('missing_order_id', 'non_positive_quantity')
                              then coalesce(n.unit_price, 9.99)
                         else n.unit_price end as unit_price,
                    case when d.defect = 'missing_timestamp' then null
                         when d.defect = 'timestamp_before_2000' then timestamp '1970-01-01 00:00:00'
                         when d.defect = 'timestamp_in_future' then timestamp '2099-01-01 00:00:00'
                         else n.event_at end as event_at,
                    n.channel,
                    n.event_num as sort_num,
                    1 as sort_kind
                from defects as d
                join numbered as n using (event_num)
            )
            select * exclude (sort_num, sort_kind)
            from (select * from clean union all select * from bad)
            order by sort_num, sort_kind
        ) to '{out / "events.parquet"}' (format parquet, row_group_size 250000)
        """
    )
    counts = {k: int(v) for k, v in con.execute("select defect, count(*) from defects group by 1").fetchall()}
    counts["clean_events"] = int(n_clean)
    counts["raw_events"] = int(n_clean + len(picks))
    return counts


def _write_truth(
    con: duckdb.DuckDBPyConnection, cfg: GeneratorConfig, truth_dir: Path, counts: dict[str, int]
) -> None:
    """Write the planted truth: per-user archetype and churn time, and the planted defect counts."""
    names = ", ".join(f"({i}, '{a.name}')" for i, a in enumerate(ARCHETYPES))
    con.execute(
        f"""
        copy (
            select
                printf('U%07d', u.user_num) as user_id,
                a.archetype,
                u.engagement,
                u.refund_probability,
                to_timestamp({cfg.start_epoch} + floor(u.churn_offset))::timestamp as churned_at
            from sim_users as u
            join (values {names}) as a(archetype_idx, archetype) using (archetype_idx)
            order by u.user_num
        ) to '{truth_dir / "users.parquet"}' (format parquet)
        """
    )
    meta = {
        "config": {
            "seed": cfg.seed,
            "users": cfg.users,
            "items": cfg.items,
            "days": cfg.days,
            "end_date": cfg.end_date.isoformat(),
            "bad_row_share": cfg.bad_row_share,
        },
        "counts": dict(sorted(counts.items())),
        "affinity_pairs": [list(p) for p in AFFINITY],
        "archetypes": [a.name for a in ARCHETYPES],
        "experiment": {
            "experiment_id": EXPERIMENT_ID,
            "variants": ["control", "treatment"],
            "planted_effect": "treatment people get one extra order within "
            f"{EXPERIMENT_EFFECT_DAYS:g} days of assignment with probability {EXPERIMENT_UPLIFT}",
            "uplift_probability": EXPERIMENT_UPLIFT,
            "assigned_people": int(con.execute("select count(*) from sim_assignments").fetchall()[0][0]),
        },
    }
    (truth_dir / "truth.json").write_text(json.dumps(meta, indent=2) + "\n")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line interface of the generator."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True, help="directory to write the contract files to")
    p.add_argument("--seed", type=int, default=GeneratorConfig.seed)
    p.add_argument("--users", type=int, default=GeneratorConfig.users)
    p.add_argument("--items", type=int, default=GeneratorConfig.items)
    p.add_argument("--days", type=int, default=GeneratorConfig.days)
    p.add_argument("--end-date", type=date.fromisoformat, default=GeneratorConfig.end_date)
    p.add_argument("--bad-row-share", type=float, default=GeneratorConfig.bad_row_share)
    args = p.parse_args(argv)
    for name in ("users", "items", "days"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")
    if not 0 <= args.bad_row_share < 0.5:
        p.error("--bad-row-share must be in [0, 0.5)")
    return args


def main(argv: list[str] | None = None) -> None:
    """Generate the demo data set and print a one-line summary."""
    args = parse_args(argv)
    cfg = GeneratorConfig(args.seed, args.users, args.items, args.days, args.end_date, args.bad_row_share)
    started = time.perf_counter()
    counts = generate(cfg, args.out)
    print(
        f"demo data: {counts['raw_events']:,} raw events ({counts['clean_events']:,} clean + "
        f"{counts['raw_events'] - counts['clean_events']:,} planted bad rows), {cfg.users:,} users, "
        f"{cfg.items:,} items -> {args.out} in {time.perf_counter() - started:.1f}s"
    )


if __name__ == "__main__":
    main()
