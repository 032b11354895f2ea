"""Item-based collaborative filtering: sparse item-item similarity and top-K neighbours.

Pure functions on pandas frames; the dbt Python models `item_neighbors` and
`item_neighbors_backtest` are thin wrappers around `item_neighbors_table`. Serving happens in SQL
(`user_recommendations`) from the exported neighbour lists.

Conventions
- Input: the user-item matrix in long form (`user_item_interactions`): `user_key`, `item_id`,
  `interaction_weight` (implicit feedback, >= 0). Rows with weight 0 carry no signal and are
  ignored; items are indexed in sorted order so results never depend on row order.
- Similarity between items i and j (columns of the user x item matrix X, B = X > 0):
  `cosine`  = X_i . X_j / (||X_i|| ||X_j||) on the interaction weights;
  `jaccard` = |B_i & B_j| / |B_i | B_j| on who interacted at all.
  `co_users` = |B_i & B_j|. Pairs with co_users < `min_co_users` are dropped, and similarity is
  shrunk towards 0 for small support: similarity x co_users / (co_users + shrinkage).
- Memory: the item x item matrix is never materialised. Items are processed in blocks of
  `block_items` columns: a block's sparse co-occurrence rows (block x items, only non-zeros) are
  computed, cut to the top K per item, and discarded, so memory stays proportional to the
  matrix non-zeros, one block's co-occurrences and K per item.
- Ties: neighbours are ranked by similarity desc, then neighbor_item_id asc.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

SIMILARITIES = ("cosine", "jaccard")
NEIGHBORS_EMPTY = pd.DataFrame(
    {"item_id": pd.Series(dtype="str"), "neighbor_item_id": pd.Series(dtype="str"),
     "similarity": pd.Series(dtype="float64"), "co_users": pd.Series(dtype="int64"),
     "neighbor_rank": pd.Series(dtype="int64")}
)  # fmt: skip


class RecommendationInputError(ValueError):
    """The interactions frame or the configuration cannot be used."""


@dataclass(frozen=True)
class NeighborConfig:
    """Parameters of the neighbour computation (from the dbt model's YAML `config:`)."""

    similarity: str = "cosine"
    k: int = 50
    min_co_users: int = 2
    shrinkage: float = 10.0
    block_items: int = 2000


CONFIG_KEYS = ("similarity", "k", "min_co_users", "shrinkage", "block_items")


def config_from_params(params: dict[str, object]) -> NeighborConfig:
    """Build a NeighborConfig from the dbt model's config values (YAML Jinja renders strings)."""
    defaults = NeighborConfig()

    def value(key: str, cast: type) -> object:
        raw = params.get(key)
        return getattr(defaults, key) if raw in (None, "") else cast(raw)

    cfg = NeighborConfig(
        similarity=str(value("similarity", str)).strip().lower(),
        k=value("k", int),
        min_co_users=value("min_co_users", int),
        shrinkage=value("shrinkage", float),
        block_items=value("block_items", int),
    )
    if cfg.similarity not in SIMILARITIES:
        raise RecommendationInputError(
            f"item similarity must be one of {SIMILARITIES}, got {cfg.similarity!r}"
        )
    if cfg.k < 1 or cfg.min_co_users < 1 or cfg.shrinkage < 0 or cfg.block_items < 1:
        raise RecommendationInputError(
            "item neighbour config needs k >= 1, min_co_users >= 1, shrinkage >= 0, block_items >= 1; "
            f"got {json.dumps(cfg.__dict__)}"
        )
    return cfg


@dataclass(frozen=True)
class UserItemMatrix:
    """A sparse user x item matrix with its sorted item ids."""

    weights: sparse.csc_matrix  # users x items, float64
    item_ids: np.ndarray


def user_item_matrix(interactions: pd.DataFrame) -> UserItemMatrix:
    """CSC matrix of positive interaction weights; users and items indexed in sorted order."""
    missing = {"user_key", "item_id", "interaction_weight"} - set(interactions.columns)
    if missing:
        raise RecommendationInputError(f"interactions lack columns: {sorted(missing)}")
    weights = interactions["interaction_weight"].to_numpy(dtype=np.float64)
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise RecommendationInputError("interaction_weight must be finite and >= 0")
    positive = interactions.loc[weights > 0, ["user_key", "item_id", "interaction_weight"]]
    # factorize keeps ids as Python strings: numpy's fixed-width str dtype would size every id
    # like the longest one (one 100 KB id among 1,668 rows took 2 GB)
    user_index, users = pd.factorize(positive["user_key"].astype(object), sort=True)
    item_index, item_labels = pd.factorize(positive["item_id"].astype(object), sort=True)
    items = np.asarray(item_labels, dtype=object)
    matrix = sparse.coo_matrix(
        (positive["interaction_weight"].to_numpy(dtype=np.float64), (user_index, item_index)),
        shape=(len(users), len(items)),
    ).tocsc()
    matrix.sum_duplicates()
    return UserItemMatrix(weights=matrix, item_ids=items)


def block_similarities(
    uim: UserItemMatrix, start: int, stop: int, cfg: NeighborConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(item, neighbour, similarity, co_users) for items [start, stop) against all items, after
    the support filter and shrinkage, self-pairs removed. Only co-occurring pairs appear."""
    x = uim.weights
    binary = x.copy()
    binary.data = np.ones_like(binary.data)
    co = (binary[:, start:stop].T @ binary).tocsr()
    co.sort_indices()
    # positive weights: the dot products have exactly the co-occurrence pattern
    dot = (x[:, start:stop].T @ x).tocsr() if cfg.similarity == "cosine" else None
    rows = np.repeat(np.arange(start, stop), np.diff(co.indptr))
    cols, co_users = co.indices.astype(np.int64), co.data
    if dot is not None:
        dot.sort_indices()
        if not np.array_equal(dot.indices, co.indices):
            raise RecommendationInputError("internal: dot-product and co-occurrence patterns differ")
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel())
        raw = dot.data / (norms[rows] * norms[cols])
    else:
        counts = np.asarray(binary.sum(axis=0)).ravel()
        raw = co_users / (counts[rows] + counts[cols] - co_users)
    keep = (rows != cols) & (co_users >= cfg.min_co_users)
    rows, cols, co_users, raw = rows[keep], cols[keep], co_users[keep], raw[keep]
    # rounding can put a cosine of parallel vectors a hair above 1
    similarity = np.minimum(raw, 1.0) * co_users / (co_users + cfg.shrinkage)
    return rows, cols, similarity, co_users.astype(np.int64)


def top_k(
    rows: np.ndarray,
    cols: np.ndarray,
    similarity: np.ndarray,
    co_users: np.ndarray,
    item_ids: np.ndarray,
    k: int,
) -> pd.DataFrame:
    """Keep the k most similar neighbours per item (ties: neighbour id asc), ranked 1..k."""
    positive = similarity > 0
    rows, cols, similarity, co_users = (
        rows[positive],
        cols[positive],
        similarity[positive],
        co_users[positive],
    )
    # item ids are sorted, so column index order is neighbour id order
    order = np.lexsort((cols, -similarity, rows))
    rows, cols, similarity, co_users = rows[order], cols[order], similarity[order], co_users[order]
    starts = np.r_[0, np.flatnonzero(np.diff(rows)) + 1]
    rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)])) + 1
    keep = rank <= k
    return pd.DataFrame(
        {
            "item_id": item_ids[rows[keep]],
            "neighbor_item_id": item_ids[cols[keep]],
            "similarity": similarity[keep],
            "co_users": co_users[keep],
            "neighbor_rank": rank[keep].astype(np.int64),
        }
    )


def item_neighbors_table(
    interactions: pd.DataFrame, cfg: NeighborConfig, excluded_items: Collection[str] = ()
) -> pd.DataFrame:
    """Top-K neighbours of every item: item_id, neighbor_item_id, similarity, co_users,
    neighbor_rank. `excluded_items` (non-merchandise codes such as postage) take no part at all.
    Empty (typed) when no pair of items shares `min_co_users` users."""
    if len(excluded_items):
        interactions = interactions[~interactions["item_id"].isin(list(excluded_items))]
    uim = user_item_matrix(interactions)
    n_items = len(uim.item_ids)
    parts = []
    for start in range(0, n_items, cfg.block_items):
        stop = min(start + cfg.block_items, n_items)
        rows, cols, similarity, co_users = block_similarities(uim, start, stop, cfg)
        if len(rows):
            parts.append(top_k(rows, cols, similarity, co_users, uim.item_ids, cfg.k))
    if not parts:
        return NEIGHBORS_EMPTY.copy()
    table = pd.concat(parts, ignore_index=True)
    return table.astype(
        {"item_id": "str", "neighbor_item_id": "str", "co_users": "int64", "neighbor_rank": "int64"}
    )
