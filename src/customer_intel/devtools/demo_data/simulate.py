"""Simulated users (archetype, engagement, signup, churn) and their sessions and events."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_intel.devtools.demo_data.catalog import (
    AFFINITY_PROBABILITY,
    CATEGORIES,
    affinity_partner_table,
    draw_items,
)
from customer_intel.devtools.demo_data.config import (
    ACQUISITION_CHANNELS,
    ARCHETYPES,
    CART,
    CITIES,
    PURCHASE,
    REFUND,
    SECONDS_PER_DAY,
    VIEW,
    GeneratorConfig,
)

# a session's category: the person's favourite, their second category, else any category
FAVOURITE_SHARE = 0.65
SECOND_SHARE = 0.25


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
    s_category = np.where(
        u < FAVOURITE_SHARE,
        fav,
        np.where(u < FAVOURITE_SHARE + SECOND_SHARE, second, rng.integers(0, n_cat, len(s_user))),
    )

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
    partner_of = affinity_partner_table(rng)
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
        event_frame(s_user[v_session], v_item, VIEW, -1, -1, np.nan, v_time, s_channel[v_session]),
        event_frame(s_user[c_sessions], main_item[c_sessions], CART, -1, 1, np.nan, c_time,
                    s_channel[c_sessions]),
        event_frame(s_user[line_session], line_item, PURCHASE, order_num, quantity, unit_price, line_time,
                    s_channel[line_session]),
        event_frame(s_user[line_session[r_idx]], line_item[r_idx], REFUND, order_num[r_idx], quantity[r_idx],
                    unit_price[r_idx], r_time[r_keep], s_channel[line_session[r_idx]]),
    ]  # fmt: skip
    events = pd.concat(parts, ignore_index=True)
    events = events[events["offset"] < window]
    events["user_num"] = users["user_num"].to_numpy()[events.pop("user_row").to_numpy()]
    return events, len(o_sessions)


def event_frame(user_row, item, event_type, order_num, quantity, unit_price, offset, channel) -> pd.DataFrame:
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
