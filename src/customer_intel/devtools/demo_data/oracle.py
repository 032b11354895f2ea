"""The demo generator's own purchase probabilities used as a recommender: the ceiling.

The generator draws every order line from probabilities it knows exactly: a session's category is
the person's favourite (0.65), their second category (0.25) or any category (0.10); the main item
is drawn within that category by item popularity, six times more likely in the person's price
class; with probability AFFINITY_PROBABILITY the order adds an item of the partner category, drawn
the same way. So the probability that a given purchase line is item i is known per person, and the
ten items with the largest probabilities (bought items skipped, as the served lists do) give
the best expected chance that at least one of the next purchases is on the list, exactly so if
purchase lines were independent (an order's main and affinity lines are linked, so this is
near-optimal): a recommender learned from the events can hardly expect a higher hit rate on
this data. Comparing a backtest's hit rates with this ceiling says how much is left to learn,
and whether a target ratio over a baseline is reachable. Left out: the planted experiment's
extra orders (about 1.5% of the lines of a 30-day backtest window, in the favourite category).

Only the devtools use this; no model reads the generator's truth.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from customer_intel.devtools.demo_data.catalog import (
    AFFINITY_PROBABILITY,
    CATEGORIES,
    PRICE_CLASS_BOOST,
    affinity_partner_table,
    build_items,
)
from customer_intel.devtools.demo_data.config import ARCHETYPES, CHUNK_USERS, GeneratorConfig
from customer_intel.devtools.demo_data.generate import generator_seeds
from customer_intel.devtools.demo_data.simulate import FAVOURITE_SHARE, SECOND_SHARE, simulate_users


def item_given_category(items: pd.DataFrame) -> np.ndarray:
    """P(item | category, price class) as a (3, items) array: within its category an item's weight
    is its popularity, times PRICE_CLASS_BOOST in the person's price class (the generator's
    item_sampler)."""
    probs = np.zeros((3, len(items)))
    category = items["category_idx"].to_numpy()
    popularity = items["popularity"].to_numpy(dtype=float)
    item_class = items["price_class"].to_numpy()
    for price_class in range(3):
        weight = popularity * np.where(item_class == price_class, PRICE_CLASS_BOOST, 1.0)
        totals = np.bincount(category, weights=weight, minlength=len(CATEGORIES))
        probs[price_class] = weight / totals[category]
    return probs


def category_shares(favourite: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Per person, the expected number of order lines per order in each category (people x
    categories): the main line's category mix plus the affinity line's, AFFINITY_PROBABILITY of
    the time, in the partner of the main category."""
    n_cat = len(CATEGORIES)
    people = np.arange(len(favourite))
    main = np.full((len(favourite), n_cat), (1.0 - FAVOURITE_SHARE - SECOND_SHARE) / n_cat)
    np.add.at(main, (people, favourite), FAVOURITE_SHARE)
    np.add.at(main, (people, second), SECOND_SHARE)
    partner = affinity_partner_table(np.random.default_rng(0))
    pulled = np.zeros_like(main)
    np.add.at(pulled.T, partner, main.T)  # category partner[c] receives main[:, c]
    return main + AFFINITY_PROBABILITY * pulled


def config_from_truth(raw_dir: Path) -> GeneratorConfig:
    """The generator settings a demo data directory was made with (its `_truth/truth.json`);
    a clear error for data the demo generator did not make."""
    truth = raw_dir / "_truth" / "truth.json"
    if not truth.is_file():
        raise SystemExit(
            f"{truth} not found: the ceiling needs data made by the demo generator "
            "(python -m customer_intel.devtools.demo_data), which writes its truth there"
        )
    settings = json.loads(truth.read_text())["config"]
    return GeneratorConfig(**{**settings, "end_date": date.fromisoformat(settings["end_date"])})


def generator_people(cfg: GeneratorConfig) -> pd.DataFrame:
    """Every simulated person's id, favourite and second category and price class, drawn again
    with the generator's seeds (simulate_users is the first draw of each chunk's generator)."""
    seeds = generator_seeds(cfg)
    chunks = []
    for chunk, first in enumerate(range(0, cfg.users, CHUNK_USERS)):
        users = simulate_users(
            cfg, np.random.default_rng(seeds[3 + chunk]), first, min(CHUNK_USERS, cfg.users - first)
        )
        chunks.append(users)
    users = pd.concat(chunks, ignore_index=True)
    price_class = np.array([a.price_class for a in ARCHETYPES])[users["archetype_idx"].to_numpy()]
    return pd.DataFrame(
        {
            "user_id": [f"U{n:07d}" for n in users["user_num"]],
            "favourite_category": users["favourite_category"].to_numpy(),
            "second_category": users["second_category"].to_numpy(),
            "price_class": price_class,
        }
    )


def generator_items(cfg: GeneratorConfig) -> pd.DataFrame:
    """The simulated catalog with the item ids the raw files carry."""
    seeds = generator_seeds(cfg)
    items = build_items(cfg, np.random.default_rng(seeds[0]))
    return items.assign(item_id=[f"I{i:05d}" for i in items["item_idx"]])


def line_probabilities(people: pd.DataFrame, items: pd.DataFrame) -> np.ndarray:
    """P(an order line of the person is the item), people x items in the frames' orders: the
    expected lines per order in the item's category times P(item | category, price class),
    normalised per person (rows sum to 1)."""
    given = item_given_category(items)
    shares = category_shares(people["favourite_category"].to_numpy(), people["second_category"].to_numpy())
    scores = shares[:, items["category_idx"].to_numpy()] * given[people["price_class"].to_numpy()]
    return scores / scores.sum(axis=1, keepdims=True)


def top_n_calibration(
    people: pd.DataFrame, items: pd.DataFrame, purchases: pd.DataFrame, top_n: int
) -> tuple[float, float]:
    """Check the probabilities against purchase lines (user_id, item_id): (the share of lines
    whose item is among the person's top_n most probable items, the mean probability mass of
    those top_n items over the same lines). Equal up to sampling noise when the probabilities
    are the generator's; lines of unknown people or items are left out."""
    probs = line_probabilities(people, items)
    top = np.argsort(-probs, axis=1, kind="stable")[:, :top_n]
    mass = np.take_along_axis(probs, top, axis=1).sum(axis=1)
    row = pd.Series(np.arange(len(people)), index=people["user_id"].to_numpy())
    col = pd.Series(np.arange(len(items)), index=items["item_id"].to_numpy())
    known = purchases["user_id"].isin(row.index) & purchases["item_id"].isin(col.index)
    rows = row[purchases.loc[known, "user_id"]].to_numpy()
    cols = col[purchases.loc[known, "item_id"]].to_numpy()
    observed = float((top[rows] == cols[:, None]).any(axis=1).mean())
    return observed, float(mass[rows].mean())


def oracle_lists(
    people: pd.DataFrame, items: pd.DataFrame, skipped: Iterable[tuple[str, str]], top_n: int
) -> pd.DataFrame:
    """Per person (user_id), the top_n items by the generator's probability of an order line,
    skipping the (user_id, item_id) pairs in `skipped`; ties go to the smaller item id. Columns:
    user_id, item_id, rank (1 = most likely)."""
    scores = line_probabilities(people, items)
    position = {item_id: j for j, item_id in enumerate(items["item_id"])}
    row_of = {user_id: k for k, user_id in enumerate(people["user_id"])}
    for user_id, item_id in skipped:
        if user_id in row_of and item_id in position:
            scores[row_of[user_id], position[item_id]] = -np.inf
    item_order = np.argsort(items["item_id"].to_numpy(), kind="stable")
    ranked = item_order[np.argsort(-scores[:, item_order], axis=1, kind="stable")[:, :top_n]]
    rows = [
        (user_id, items["item_id"].iat[j], rank + 1)
        for user_id, picks, row in zip(people["user_id"], ranked, scores, strict=True)
        for rank, j in enumerate(picks)
        if np.isfinite(row[j])
    ]
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rank"])
