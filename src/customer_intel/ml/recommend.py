"""Item-based collaborative filtering: sparse item-item similarity and top-K neighbours.

Pure functions on pandas frames and NumPy arrays; the dbt Python models `item_neighbors` and
`item_neighbors_backtest` are thin wrappers around `item_neighbors_from_relations`, which selects
and codes the input in DuckDB and then computes what `item_neighbors_table` computes on a frame.
Serving happens in SQL (`user_recommendations`) from the exported neighbour lists.

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
  computed, cut to the top K per item (rows of the block pass through a dense rows x items array
  of at most `TOP_K_CELLS` cells to find each row's K-th similarity, instead of sorting every
  pair), and discarded, so memory stays proportional to the matrix non-zeros, one block's
  co-occurrences and K per item. Norms, counts and the binary pattern are computed once.
- Ties: neighbours are ranked by similarity desc, then neighbor_item_id asc.
- Pulling from the warehouse (`item_neighbors_from_relations`): only `user_key`, `item_id` and
  `interaction_weight` of rows with a non-zero weight of merchandise items leave DuckDB, and as
  numbers: `user_key` and `item_id` become their dense rank (0-based, in the same sorted order as
  `user_item_matrix` gives them), only the distinct item ids come back as strings. The sparse
  matrix is then the one `user_item_matrix` builds from the full frame, so the neighbours are
  identical; at 10M events pandas never holds ~4.5M 64-character keys.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

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
    weights = checked_weights(interactions["interaction_weight"].to_numpy(dtype=np.float64))
    positive = interactions.loc[weights > 0, ["user_key", "item_id", "interaction_weight"]]
    # factorize keeps ids as Python strings: numpy's fixed-width str dtype would size every id
    # like the longest one (one 100 KB id among 1,668 rows took 2 GB); integer keys stay integers
    user_index, _ = pd.factorize(as_factor_input(positive["user_key"]), sort=True)
    item_index, item_labels = pd.factorize(as_factor_input(positive["item_id"]), sort=True)
    return coded_user_item_matrix(
        user_index,
        item_index,
        positive["interaction_weight"].to_numpy(dtype=np.float64),
        np.asarray(item_labels, dtype=object),
    )


def as_factor_input(column: pd.Series) -> pd.Series:
    """An id column ready for `pd.factorize`: integers as they are, anything else as objects."""
    return column if pd.api.types.is_integer_dtype(column.dtype) else column.astype(object)


def checked_weights(weights: np.ndarray) -> np.ndarray:
    """`weights` when every one is finite and >= 0; a RecommendationInputError otherwise."""
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise RecommendationInputError("interaction_weight must be finite and >= 0")
    return weights


def coded_user_item_matrix(
    user_index: np.ndarray, item_index: np.ndarray, weights: np.ndarray, item_ids: np.ndarray
) -> UserItemMatrix:
    """The user x item matrix from 0-based codes: row `user_index[n]`, column `item_index[n]`
    holds `weights[n]` (zero weights are dropped, duplicates summed); `item_ids[j]` is the id of
    column j, in sorted order (ties in `top_k` go to the lower column, the smaller id)."""
    weights = checked_weights(np.asarray(weights, dtype=np.float64))
    positive = weights > 0
    user_index, item_index = np.asarray(user_index)[positive], np.asarray(item_index)[positive]
    n_users = int(user_index.max()) + 1 if len(user_index) else 0
    matrix = sparse.coo_matrix(
        (weights[positive], (user_index, item_index)), shape=(n_users, len(item_ids))
    ).tocsc()
    matrix.sum_duplicates()
    return UserItemMatrix(weights=matrix, item_ids=np.asarray(item_ids, dtype=object))


TOP_K_CELLS = 1 << 22  # dense cells (block rows x items) of one top-K pass: 32 MB of float64


@dataclass(frozen=True)
class BlockInputs:
    """What every block needs, computed once per matrix: the weights and their binary pattern
    in both layouts, and the column norms (cosine) or column counts (jaccard)."""

    weights: sparse.csc_matrix
    weights_rows: sparse.csr_matrix
    binary: sparse.csc_matrix
    binary_rows: sparse.csr_matrix
    norms: np.ndarray
    counts: np.ndarray


def block_inputs(uim: UserItemMatrix) -> BlockInputs:
    """The `BlockInputs` of `uim` (the products of a block are then those the CSC matrices give)."""
    x = uim.weights
    binary = x.copy()
    binary.data = np.ones_like(binary.data)
    return BlockInputs(
        weights=x,
        weights_rows=x.tocsr(),
        binary=binary,
        binary_rows=binary.tocsr(),
        norms=np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel()),
        counts=np.asarray(binary.sum(axis=0)).ravel(),
    )


def block_similarities(
    inputs: BlockInputs, start: int, stop: int, cfg: NeighborConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(indptr, neighbour, similarity, co_users) of items [start, stop) against all items, one
    row per item of the block (CSR layout, neighbours in no particular order), after the support
    filter and shrinkage; self-pairs and filtered pairs have similarity 0. Only co-occurring pairs
    appear."""
    co = inputs.binary[:, start:stop].T @ inputs.binary_rows
    # positive weights: the dot products have exactly the co-occurrence pattern (and scipy lays
    # out the same pattern the same way, so no index sort is needed to align them)
    dot = inputs.weights[:, start:stop].T @ inputs.weights_rows if cfg.similarity == "cosine" else None
    if dot is not None and not (
        np.array_equal(dot.indptr, co.indptr) and np.array_equal(dot.indices, co.indices)
    ):
        co.sort_indices()
        dot.sort_indices()
        if not np.array_equal(dot.indices, co.indices):
            raise RecommendationInputError("internal: dot-product and co-occurrence patterns differ")
    rows = np.repeat(np.arange(start, stop), np.diff(co.indptr))
    cols, co_users = co.indices.astype(np.int64), co.data
    if dot is not None:
        raw = dot.data / (inputs.norms[rows] * inputs.norms[cols])
    else:
        raw = co_users / (inputs.counts[rows] + inputs.counts[cols] - co_users)
    # rounding can put a cosine of parallel vectors a hair above 1
    similarity = np.minimum(raw, 1.0) * co_users / (co_users + cfg.shrinkage)
    keep = (rows != cols) & (co_users >= cfg.min_co_users) & (similarity > 0)
    return co.indptr, cols, np.where(keep, similarity, 0.0), co_users.astype(np.int64)


def top_k_entries(
    indptr: np.ndarray, cols: np.ndarray, similarity: np.ndarray, k: int, n_items: int
) -> np.ndarray:
    """Positions of the entries kept by the top k of each CSR row (similarity desc, then column
    asc; only similarities > 0), in no particular order. Rows go through a dense rows x items
    array of at most TOP_K_CELLS cells: a partition finds each row's k-th largest similarity,
    everything above it is kept, and of the entries equal to it the lowest columns fill the rest."""
    n_rows = len(indptr) - 1
    chunk = max(1, TOP_K_CELLS // max(n_items, 1))
    nth = max(n_items - k, 0)
    kept = []
    for r0 in range(0, n_rows, chunk):
        r1 = min(r0 + chunk, n_rows)
        lo, hi = indptr[r0], indptr[r1]
        if lo == hi:
            continue
        rows = np.repeat(np.arange(r1 - r0), np.diff(indptr[r0 : r1 + 1]))
        c, s = cols[lo:hi], similarity[lo:hi]
        dense = np.zeros((r1 - r0, n_items))
        dense[rows, c] = s
        bound = np.partition(dense, nth, axis=1)[:, nth][rows]
        del dense
        above = s > bound
        need = k - np.bincount(rows[above], minlength=r1 - r0)
        tied = np.flatnonzero((s == bound) & (s > 0))
        tied = tied[np.lexsort((c[tied], rows[tied]))]
        tied_rows = rows[tied]
        first = np.r_[0, np.flatnonzero(np.diff(tied_rows)) + 1]
        place = np.arange(len(tied)) - np.repeat(first, np.diff(np.r_[first, len(tied)]))
        kept.append(lo + np.flatnonzero(above))
        kept.append(lo + tied[place < need[tied_rows]])
    return np.concatenate(kept) if kept else np.zeros(0, dtype=np.int64)


def top_k(
    rows: np.ndarray,
    cols: np.ndarray,
    similarity: np.ndarray,
    co_users: np.ndarray,
    item_ids: np.ndarray,
) -> pd.DataFrame:
    """The kept entries ranked per item: similarity desc, then neighbour id asc (item ids are
    sorted, so column index order is neighbour id order), ranks from 1."""
    order = np.lexsort((cols, -similarity, rows))
    rows, cols, similarity, co_users = rows[order], cols[order], similarity[order], co_users[order]
    starts = np.r_[0, np.flatnonzero(np.diff(rows)) + 1]
    rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)])) + 1
    return pd.DataFrame(
        {
            "item_id": item_ids[rows],
            "neighbor_item_id": item_ids[cols],
            "similarity": similarity,
            "co_users": co_users,
            "neighbor_rank": rank.astype(np.int64),
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
    return matrix_neighbors(user_item_matrix(interactions), cfg)


def matrix_neighbors(uim: UserItemMatrix, cfg: NeighborConfig) -> pd.DataFrame:
    """Top-K neighbours of every item of `uim`, block by block (see `item_neighbors_table`)."""
    n_items = len(uim.item_ids)
    inputs = block_inputs(uim)
    parts = []
    for start in range(0, n_items, cfg.block_items):
        stop = min(start + cfg.block_items, n_items)
        indptr, cols, similarity, co_users = block_similarities(inputs, start, stop, cfg)
        kept = top_k_entries(indptr, cols, similarity, cfg.k, n_items)
        if len(kept):
            rows = start + np.searchsorted(indptr, kept, side="right") - 1
            parts.append(top_k(rows, cols[kept], similarity[kept], co_users[kept], uim.item_ids))
    if not parts:
        return NEIGHBORS_EMPTY.copy()
    table = pd.concat(parts, ignore_index=True)
    return table.astype(
        {"item_id": "str", "neighbor_item_id": "str", "co_users": "int64", "neighbor_rank": "int64"}
    )


def merchandise_interactions(interactions: Any, popularity: Any) -> Any:
    """DuckDB relation of `user_key, item_id, interaction_weight` from the relation
    `interactions` (user_item_interactions columns), without the rows of weight 0 (no signal)
    and without items flagged `not is_merchandise` in the relation `popularity`
    (item_popularity columns). Other weights (negative, NULL, NaN) stay, so that
    `checked_weights` rejects them as it rejects them in a frame."""
    excluded = popularity.filter("not is_merchandise").project("item_id as excluded_item_id")
    return (
        interactions.filter("interaction_weight is distinct from 0")
        .join(excluded, "item_id = excluded_item_id", how="anti")
        .project("user_key, item_id, interaction_weight")
    )


CODED_INTERACTIONS = (
    "dense_rank() over (order by user_key) - 1 as user_index, "
    "dense_rank() over (order by item_id) - 1 as item_index, "
    # a NULL weight becomes NaN, as in a frame, so that checked_weights rejects it
    "coalesce(interaction_weight::double, 'nan'::double) as interaction_weight"
)


def fetch_user_item_matrix(interactions: Any) -> UserItemMatrix:
    """The user x item matrix of the DuckDB relation `interactions` (`user_key`, `item_id`,
    `interaction_weight`), coded in DuckDB: only three numeric arrays and the distinct item ids
    are fetched. Equal to `user_item_matrix(interactions.df())`: dense ranks in DuckDB's order
    of the ids (byte order) are the sorted codes of `pd.factorize` (code point order)."""
    coded = interactions.project(CODED_INTERACTIONS).fetchnumpy()
    item_ids = interactions.project("item_id").distinct().order("item_id").fetchnumpy()["item_id"]
    return coded_user_item_matrix(
        coded["user_index"], coded["item_index"], coded["interaction_weight"], item_ids
    )


def item_neighbors_from_relations(interactions: Any, popularity: Any, cfg: NeighborConfig) -> pd.DataFrame:
    """`item_neighbors_table` of the relation `interactions` without the non-merchandise items
    of the relation `popularity`, pulling only coded positive interactions out of DuckDB
    (see `merchandise_interactions`, `fetch_user_item_matrix`)."""
    return matrix_neighbors(fetch_user_item_matrix(merchandise_interactions(interactions, popularity)), cfg)
