"""Item-based collaborative filtering: sparse item-item similarity and top-K neighbours.

Pure functions on pandas frames and NumPy arrays; the dbt Python models `item_neighbors` and
`item_neighbors_backtest` are thin wrappers around `item_neighbors_from_relations`, which selects
and codes the input in the warehouse (DuckDB or Spark, through customer_intel.ml.relations) and
then computes what `item_neighbors_table` computes on a frame.
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
  `interaction_weight` of rows with a non-zero weight of merchandise items leave the warehouse, and as
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

from customer_intel.ml.relations import anti_join, distinct, order_by, select, to_numpy, where

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
HELD_ENTRIES = 1 << 20  # held candidates are cut to K per item when more than this (and 4 K/item)


@dataclass(frozen=True)
class BlockInputs:
    """What every block needs, computed once per matrix: the weights and their binary pattern
    (CSC), and the column norms (cosine) or column counts (jaccard)."""

    weights: sparse.csc_matrix
    binary: sparse.csc_matrix
    norms: np.ndarray
    counts: np.ndarray


def block_inputs(uim: UserItemMatrix) -> BlockInputs:
    """The `BlockInputs` of `uim`."""
    x = uim.weights
    binary = x.copy()
    binary.data = np.ones_like(binary.data)
    return BlockInputs(
        weights=x,
        binary=binary,
        norms=np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel()),
        counts=np.asarray(binary.sum(axis=0)).ravel(),
    )


def columns_from(matrix: sparse.csr_matrix, start: int) -> sparse.csr_matrix:
    """`matrix` (CSR, sorted indices) with only its entries in columns >= `start` (same shape
    and column numbers): the right operand of a block's products."""
    keep = matrix.indices >= start
    indptr = np.r_[0, np.cumsum(keep)][matrix.indptr]
    return sparse.csr_matrix(
        (matrix.data[keep], matrix.indices[keep], indptr), shape=matrix.shape, copy=False
    )


def block_similarities(
    inputs: BlockInputs,
    start: int,
    stop: int,
    cfg: NeighborConfig,
    weights_rows: sparse.csr_matrix,
    binary_rows: sparse.csr_matrix,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(indptr, neighbour, similarity, co_users) of items [start, stop) against the items of the
    right operands `weights_rows`, `binary_rows` (the matrix as CSR, possibly cut to columns >=
    `start`), one row per item of the block (CSR layout, neighbours in no particular order),
    after the support filter and shrinkage; self-pairs and filtered pairs have similarity 0.
    Only co-occurring pairs appear. Each product adds its terms user by user in user order, so
    the (i, j) and (j, i) values are equal to the last bit."""
    co = inputs.binary[:, start:stop].T @ binary_rows
    # positive weights: the dot products have exactly the co-occurrence pattern (and scipy lays
    # out the same pattern the same way, so no index sort is needed to align them)
    dot = inputs.weights[:, start:stop].T @ weights_rows if cfg.similarity == "cosine" else None
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


def positions_in_runs(keys: np.ndarray) -> np.ndarray:
    """0-based position of each element within its run of equal consecutive `keys` (sorted by
    group): [7, 7, 9, 9, 9] -> [0, 1, 0, 1, 2]."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return np.arange(len(keys)) - np.repeat(starts, np.diff(np.r_[starts, len(keys)]))


def kept_by_bound(
    group: np.ndarray, other: np.ndarray, similarity: np.ndarray, bound: np.ndarray, k: int
) -> np.ndarray:
    """Positions of the entries in the top k of their group, given each group's k-th largest
    similarity `bound` (similarity desc, then `other` asc; only similarities > 0): every entry
    above the bound, and of those equal to it the lowest `other` up to k per group."""
    at = bound[group]
    above = similarity > at
    need = k - np.bincount(group[above], minlength=len(bound))
    tied = np.flatnonzero((similarity == at) & (similarity > 0))
    tied = tied[np.lexsort((other[tied], group[tied]))]
    tied_groups = group[tied]
    place = positions_in_runs(tied_groups)
    return np.concatenate([np.flatnonzero(above), tied[place < need[tied_groups]]])


def ranked(
    rows: np.ndarray, cols: np.ndarray, similarity: np.ndarray, co_users: np.ndarray, k: int
) -> tuple[np.ndarray, ...]:
    """The top k entries of each row, ordered by row, similarity desc, column asc (item ids are
    sorted, so column order is neighbour id order), with their ranks from 1."""
    order = np.lexsort((cols, -similarity, rows))
    rows, cols, similarity, co_users = rows[order], cols[order], similarity[order], co_users[order]
    rank = positions_in_runs(rows) + 1
    keep = rank <= k
    return rows[keep], cols[keep], similarity[keep], co_users[keep], rank[keep].astype(np.int64)


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
    """Top-K neighbours of every item of `uim`, block by block (see `item_neighbors_table`).

    Similarity is symmetric (to the last bit), so a block [a, b) is multiplied only with the
    columns >= a: its rows get their top K among those columns, and each later item j >= b
    gets, as held candidates, its top K among the block's items (the transposed entries).
    When its own block comes, an item's held candidates (columns < a) join its row's; top K of
    a union = top K of the parts' top K, as the order (similarity desc, column asc) is total.
    Rows pass through dense arrays of at most TOP_K_CELLS cells (a partition finds the K-th
    similarity) instead of sorting every pair; blocks are at most `block_items` items and at
    most one dense pass wide."""
    n_items, k = len(uim.item_ids), cfg.k
    inputs = block_inputs(uim)
    weights_rows, binary_rows = inputs.weights.tocsr(), inputs.binary.tocsr()
    step = max(1, min(cfg.block_items, TOP_K_CELLS // max(n_items, 1)))
    held = [np.zeros(0, dtype=np.int64)] * 3 + [np.zeros(0)]  # item, neighbour, co_users, similarity
    parts = []
    for start in range(0, n_items, step):
        stop = min(start + step, n_items)
        if start:
            weights_rows = columns_from(weights_rows, start)
            binary_rows = columns_from(binary_rows, start)
        indptr, cols, similarity, co_users = block_similarities(
            inputs, start, stop, cfg, weights_rows, binary_rows
        )
        width, n_rows = n_items - start, stop - start
        chunk = max(1, TOP_K_CELLS // width)
        found = []
        for r0 in range(0, n_rows, chunk):
            r1 = min(r0 + chunk, n_rows)
            lo, hi = indptr[r0], indptr[r1]
            if lo == hi:
                continue
            local = np.repeat(np.arange(r1 - r0), np.diff(indptr[r0 : r1 + 1]))
            c, s = cols[lo:hi] - start, similarity[lo:hi]
            dense = np.zeros((r1 - r0, width))
            dense[local, c] = s
            nth = max(width - k, 0)
            row_bound = np.partition(dense, nth, axis=1)[:, nth]
            found.append(lo + kept_by_bound(local, c, s, row_bound, k))
            later = np.flatnonzero(c >= n_rows)  # columns after the block: transposed entries
            if len(later):
                nth = max(r1 - r0 - k, 0)
                col_bound = np.partition(dense[:, n_rows:], nth, axis=0)[nth]
                del dense
                pick = lo + later[kept_by_bound(c[later] - n_rows, local[later], s[later], col_bound, k)]
                pick_rows = start + np.searchsorted(indptr, pick, side="right") - 1
                held = [
                    np.r_[held[0], cols[pick]],
                    np.r_[held[1], pick_rows],
                    np.r_[held[2], co_users[pick]],
                    np.r_[held[3], similarity[pick]],
                ]
        found = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
        mine = held[0] < stop
        rows = np.r_[start + np.searchsorted(indptr, found, side="right") - 1, held[0][mine]]
        result = ranked(
            rows,
            np.r_[cols[found], held[1][mine]],
            np.r_[similarity[found], held[3][mine]],
            np.r_[co_users[found], held[2][mine]],
            k,
        )
        held = [part[~mine] for part in held]
        if len(held[0]) > max(HELD_ENTRIES, 4 * n_items * k):
            item, neighbour, sim, co, _ = ranked(held[0], held[1], held[3], held[2], k)
            held = [item, neighbour, co, sim]
        if len(result[0]):
            rows, cols_, sim, co, rank = result
            parts.append(
                pd.DataFrame(
                    {
                        "item_id": uim.item_ids[rows],
                        "neighbor_item_id": uim.item_ids[cols_],
                        "similarity": sim,
                        "co_users": co,
                        "neighbor_rank": rank,
                    }
                )
            )
    if not parts:
        return NEIGHBORS_EMPTY.copy()
    table = pd.concat(parts, ignore_index=True)
    return table.astype(
        {"item_id": "str", "neighbor_item_id": "str", "co_users": "int64", "neighbor_rank": "int64"}
    )


def merchandise_interactions(interactions: Any, popularity: Any) -> Any:
    """Relation (DuckDB or Spark) of `user_key, item_id, interaction_weight` from the relation
    `interactions` (user_item_interactions columns), without the rows of weight 0 (no signal)
    and without items flagged `not is_merchandise` in the relation `popularity`
    (item_popularity columns). Other weights (negative, NULL, NaN) stay, so that
    `checked_weights` rejects them as it rejects them in a frame."""
    excluded = where(popularity, "not is_merchandise")
    signal = where(interactions, "interaction_weight is distinct from 0")
    kept = anti_join(signal, excluded, "item_id", "item_id")
    return select(kept, ["user_key", "item_id", "interaction_weight"])


CODED_INTERACTIONS = (
    "dense_rank() over (order by user_key nulls last) - 1 as user_index",
    "dense_rank() over (order by item_id nulls last) - 1 as item_index",
    # a NULL weight becomes NaN, as in a frame, so that checked_weights rejects it
    "coalesce(cast(interaction_weight as double), cast('nan' as double)) as interaction_weight",
)


def fetch_user_item_matrix(interactions: Any) -> UserItemMatrix:
    """The user x item matrix of the relation `interactions` (DuckDB or Spark; `user_key`,
    `item_id`, `interaction_weight`), coded in the warehouse: only three numeric arrays and the
    distinct item ids are fetched. Equal to `user_item_matrix(interactions.df())`: dense ranks
    in the engines' order of the ids (byte order on both) are the sorted codes of
    `pd.factorize` (code point order)."""
    coded = to_numpy(order_by(select(interactions, CODED_INTERACTIONS), ["user_index", "item_index"]))
    item_ids = to_numpy(order_by(distinct(select(interactions, ["item_id"])), ["item_id"]))["item_id"]
    return coded_user_item_matrix(
        coded["user_index"], coded["item_index"], coded["interaction_weight"], item_ids
    )


def item_neighbors_from_relations(interactions: Any, popularity: Any, cfg: NeighborConfig) -> pd.DataFrame:
    """`item_neighbors_table` of the relation `interactions` without the non-merchandise items
    of the relation `popularity`, pulling only coded positive interactions out of the warehouse
    (see `merchandise_interactions`, `fetch_user_item_matrix`)."""
    return matrix_neighbors(fetch_user_item_matrix(merchandise_interactions(interactions, popularity)), cfg)
