"""Item-CF scoring of people in bounded memory: the top N items per person from their strongest
interactions and the fitted item neighbours.

score(person, item) = sum over the person's history items k of weight(k) x similarity(k, item),
with each interacted item also its own neighbour (similarity 1) when already-bought items may
be recommended. Candidates are catalog items (`eligible`) and, unless allowed, never an item the
person bought. The item contributing most to each kept score is its `because_of` item (ties:
the larger item id).

Why here and not in SQL: the sum runs over people x history x neighbours (about 50M
(person, item) groups at 10M events), which DuckDB could only aggregate by spilling gigabytes
and then rank by sorting them all. Here people are processed in blocks whose contributions fit
a fixed budget, and only each person's top N leave a block, so memory is bounded by the block,
not by the data. The sums are exact: each contribution is rounded to 1e-12 (as DuckDB's
decimal(38, 12) cast does, half away from zero) and summed as integers, so the score and the
ranking do not depend on the order of the additions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from customer_intel.ml.recommend import positions_in_runs
from customer_intel.ml.relations import order_by, select, to_numpy, where

SCALE = 10**12

TOP_N_COLUMNS = ["user_index", "item_index", "score", "because_of_item_index", "cf_rank"]


@dataclass(frozen=True)
class CfArrays:
    """Numeric inputs of one list (items are numbered 0 .. n_items - 1, in item id order)."""

    history_user: np.ndarray  # int64: person number of each history row
    history_item: np.ndarray  # int64: item number
    history_weight: np.ndarray  # float64: interaction weight (> 0)
    link_item: np.ndarray  # int64: item with a neighbour
    link_neighbor: np.ndarray  # int64: its neighbour
    link_similarity: np.ndarray  # float64
    bought_user: np.ndarray  # int64: person number of each bought (person, item)
    bought_item: np.ndarray  # int64
    eligible: np.ndarray  # bool, one per item: may be recommended (catalog merchandise)


def fixed_point(values: np.ndarray) -> np.ndarray:
    """`values` (>= 0 or not) as integers in units of 1e-12, rounded half away from zero."""
    scaled = values * SCALE
    return (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype(np.int64)


def similarity_matrix(arrays: CfArrays, n_items: int, allow_bought: bool) -> sparse.csr_matrix:
    """Item x neighbour similarities (CSR, sorted indices). With `allow_bought` every item is
    also its own neighbour (similarity 1)."""
    items, neighbors, similarity = arrays.link_item, arrays.link_neighbor, arrays.link_similarity
    if allow_bought:
        own = np.arange(n_items)
        items, neighbors = np.concatenate([items, own]), np.concatenate([neighbors, own])
        similarity = np.concatenate([similarity, np.ones(n_items)])
    matrix = sparse.csr_matrix((similarity, (items, neighbors)), shape=(n_items, n_items))
    matrix.sum_duplicates()
    return matrix


def block_bounds(row_sizes: np.ndarray, max_contributions: int) -> list[tuple[int, int]]:
    """Ranges of people (rows) holding at most `max_contributions` contributions each (a person
    with more gets a block alone)."""
    bounds, first, size = [], 0, 0
    for i, row_size in enumerate(row_sizes.tolist()):
        if size and size + row_size > max_contributions:
            bounds.append((first, i))
            first, size = i, 0
        size += row_size
    if len(row_sizes):
        bounds.append((first, len(row_sizes)))
    return bounds


def row_thresholds(
    indptr: np.ndarray, values: np.ndarray, top_n: int, max_cells: int = 4_000_000
) -> np.ndarray:
    """Per CSR row, its `top_n`-th largest positive value (repeats counted), or -inf when the row
    has fewer than `top_n` positive entries. Rows are laid out as a dense (rows x longest row)
    array padded with -inf, at most `max_cells` cells at a time, and every row is partitioned
    (np.partition, linear in the row's length): no sort of the block, one pass over it."""
    counts = np.diff(indptr)
    thresholds = np.full(len(counts), -np.inf)
    width = int(counts.max(initial=0))
    if width < top_n:
        return thresholds
    chunk = max(1, max_cells // width)
    for a in range(0, len(counts), chunk):
        b = min(len(counts), a + chunk)
        rows = np.repeat(np.arange(b - a), counts[a:b])
        padded = np.full((b - a, width), -np.inf)
        block = values[int(indptr[a]) : int(indptr[b])]
        padded[rows, positions_in_runs(rows)] = np.where(block > 0, block, -np.inf)
        thresholds[a:b] = np.partition(padded, width - top_n, axis=1)[:, width - top_n]
    return thresholds


def top_by_float(indptr: np.ndarray, values: np.ndarray, top_n: int) -> np.ndarray:
    """Positions of every entry that can be among its row's top `top_n` by value: the top
    `top_n` and every entry within a float-rounding margin of the row's `top_n`-th value, so
    ties and near-ties are all kept (the exact ranking is made afterwards). Values <= 0 are
    not candidates; a row with fewer than `top_n` positive entries keeps them all."""
    last = row_thresholds(indptr, values, top_n)
    row_of = np.repeat(np.arange(len(last)), np.diff(indptr))
    margin = 1e-9 * np.maximum(1.0, np.abs(last))
    near = (values > 0) & (values >= (last - margin)[row_of])
    return np.flatnonzero(near)


def exact_scores(
    cand_user: np.ndarray,
    cand_item: np.ndarray,
    weights: sparse.csr_matrix,
    similarity: sparse.csr_matrix,
    n_items: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact score (units of 1e-12) and because_of item of each candidate (person row, item):
    the person's history items k with a link k -> item, contributions weight x similarity each
    rounded to 1e-12 and summed as integers; because_of is the largest contribution (ties: the
    larger item number)."""
    counts = np.diff(weights.indptr)[cand_user]
    expand = np.repeat(np.arange(len(cand_user)), counts)
    offsets = np.arange(len(expand)) - np.repeat(np.cumsum(counts) - counts, counts)
    at = weights.indptr[cand_user][expand] + offsets
    history_item, history_weight = weights.indices[at].astype(np.int64), weights.data[at]
    sim_coo = similarity.tocoo()
    link_keys = sim_coo.row.astype(np.int64) * n_items + sim_coo.col  # sorted: CSR rows, sorted indices
    wanted = history_item * n_items + cand_item[expand]
    found = np.minimum(np.searchsorted(link_keys, wanted), max(len(link_keys) - 1, 0))
    linked = (link_keys[found] == wanted) if len(link_keys) else np.zeros(len(wanted), dtype=bool)
    contribution = np.where(linked, history_weight * sim_coo.data[found] if len(link_keys) else 0.0, 0.0)
    starts = np.cumsum(counts) - counts
    totals = np.add.reduceat(np.where(linked, fixed_point(contribution), 0), starts)
    masked = np.where(linked, contribution, -np.inf)
    best = np.maximum.reduceat(masked, starts)
    because = np.maximum.reduceat(np.where(linked & (masked == best[expand]), history_item, -1), starts)
    return totals, because


def top_n_item_cf(
    arrays: CfArrays, n_items: int, top_n: int, allow_bought: bool, max_block_contributions: int = 4_000_000
) -> pd.DataFrame:
    """The top `top_n` item-CF items of every person with history: user_index, item_index,
    score, because_of_item_index, cf_rank (1 = best; ties: the smaller item). Bought items are
    excluded unless `allow_bought`; only `eligible` items are candidates.

    People are scored in blocks of at most `max_block_contributions` person x history x
    neighbour products: a sparse product (floats) finds each person's candidates, then the
    candidates' exact scores are recomputed in integers and ranked. Memory is bounded by the
    block, not by the number of people."""
    if top_n < 1:
        raise ValueError(f"top_n must be >= 1, got {top_n}")
    people, user_rows = np.unique(arrays.history_user.astype(np.int64), return_inverse=True)
    weights = sparse.csr_matrix(
        (arrays.history_weight.astype(np.float64), (user_rows, arrays.history_item.astype(np.int64))),
        shape=(len(people), n_items),
    )
    weights.sum_duplicates()
    similarity = similarity_matrix(arrays, n_items, allow_bought)
    keep_columns = sparse.diags(arrays.eligible[:n_items].astype(np.float64), format="csr")
    scoring = (similarity @ keep_columns).tocsr()
    scoring.eliminate_zeros()
    scoring.sort_indices()
    bought = sparse.csr_matrix((len(people), n_items), dtype=np.float64)
    if not allow_bought and len(arrays.bought_user):
        known = np.isin(arrays.bought_user, people)
        bought_rows = np.searchsorted(people, arrays.bought_user[known])
        bought = sparse.csr_matrix(
            (np.ones(int(known.sum())), (bought_rows, arrays.bought_item[known].astype(np.int64))),
            shape=(len(people), n_items),
        )
        bought.data[:] = 1.0
    links_per_item = np.diff(scoring.indptr)
    row_sizes = (weights.astype(bool).astype(np.int64) @ links_per_item).astype(np.int64)
    parts = []
    for a, b in block_bounds(row_sizes, max_block_contributions):
        product = (weights[a:b] @ scoring).tocsr()
        if not allow_bought:
            product = product - product.multiply(bought[a:b])
        product.eliminate_zeros()
        at = top_by_float(product.indptr, product.data, top_n)
        if not len(at):
            continue
        cand_user = np.repeat(np.arange(b - a), np.diff(product.indptr))[at] + a
        cand_item = product.indices[at].astype(np.int64)
        totals, because = exact_scores(cand_user, cand_item, weights, scoring, n_items)
        order = np.lexsort((cand_item, -totals, cand_user))
        cand_user, cand_item, totals, because = (
            cand_user[order],
            cand_item[order],
            totals[order],
            because[order],
        )
        rank = positions_in_runs(cand_user) + 1
        top = rank <= top_n
        parts.append(
            pd.DataFrame(
                {
                    "user_index": people[cand_user[top]],
                    "item_index": cand_item[top],
                    "score": totals[top] / SCALE,
                    "because_of_item_index": because[top],
                    "cf_rank": rank[top],
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: np.zeros(0, dtype=np.int64) for c in TOP_N_COLUMNS}).astype(
            {"score": "float64"}
        )
    return pd.concat(parts, ignore_index=True).astype(
        {
            "user_index": "int64",
            "item_index": "int64",
            "score": "float64",
            "because_of_item_index": "int64",
            "cf_rank": "int64",
        }
    )


ROLES = ("current", "recommendation_backtest")


@dataclass(frozen=True)
class CfListsConfig:
    """Settings of the item-CF lists (from the model's config, i.e. the project vars)."""

    top_n: int
    history_items: int
    serve_bought: bool
    max_block_contributions: int = 4_000_000


def whole_param(params: dict[str, object], key: str, label: str) -> int:
    """The whole number >= 1 of a Python model's config value (rendered vars arrive as
    strings); a ValueError naming `label` and `key` otherwise."""
    value = params.get(key)
    if value is None or not str(value).strip().isdigit() or int(str(value)) < 1:
        raise ValueError(f"{label}: {key} must be a whole number >= 1, got {value!r}")
    return int(str(value))


def flag_param(params: dict[str, object], key: str, label: str) -> bool:
    """The true/false of a Python model's config value; a ValueError naming `label` and `key`
    otherwise."""
    value = str(params.get(key)).strip().lower()
    if value not in ("true", "false"):
        raise ValueError(f"{label}: {key} must be true or false, got {params.get(key)!r}")
    return value == "true"


def config_from_params(params: dict[str, object]) -> CfListsConfig:
    """CfListsConfig from the Python model's config values (rendered vars arrive as strings)."""
    label = "item-CF lists"
    return CfListsConfig(
        top_n=whole_param(params, "top_n", label),
        history_items=whole_param(params, "history_items", label),
        serve_bought=flag_param(params, "serve_bought", label),
        max_block_contributions=whole_param(params, "max_block_contributions", label),
    )


def list_modes(serve_bought: bool) -> list[tuple[str, str, bool]]:
    """(snapshot role, evaluation mode, allow bought) of every list of a model-based recommender:
    the served list in the configured mode, the backtest in both."""
    served = ("current", "include_bought" if serve_bought else "exclude_bought", serve_bought)
    return [
        served,
        ("recommendation_backtest", "exclude_bought", False),
        ("recommendation_backtest", "include_bought", True),
    ]


def role_arrays(
    person_items: object, items: pd.DataFrame, neighbors: pd.DataFrame, role: str, history_items: int
) -> CfArrays:
    """The numeric inputs of one snapshot role. `person_items` is the relation of
    int_recommendation_person_items (DuckDB or Spark): only the role's numbers leave the
    warehouse (the history rows within `history_items` and the bought items, ordered by person
    and item), never the person keys."""
    if role not in ROLES:
        raise ValueError(f"unknown snapshot role {role!r}")
    history = role_numbers(
        person_items,
        f"snapshot_role = '{role}' and history_rank <= {int(history_items)} and item_index is not null",
        ["user_index", "item_index", "interaction_weight"],
    )
    bought = role_numbers(
        person_items,
        f"snapshot_role = '{role}' and is_bought and item_index is not null",
        ["user_index", "item_index"],
    )
    index = pd.Index(items["item_id"].astype(object))
    link_item = index.get_indexer(neighbors["item_id"].astype(object))
    link_neighbor = index.get_indexer(neighbors["neighbor_item_id"].astype(object))
    known = (link_item >= 0) & (link_neighbor >= 0)
    numbers = items["item_index"].to_numpy(np.int64)
    eligible = np.zeros(int(numbers.max(initial=0)) + 1, dtype=bool)
    eligible[numbers] = items["is_recommendable"].to_numpy(bool)
    return CfArrays(
        history_user=np.asarray(history["user_index"], dtype=np.int64),
        history_item=np.asarray(history["item_index"], dtype=np.int64),
        history_weight=np.asarray(history["interaction_weight"], dtype=np.float64),
        link_item=numbers[link_item[known]],
        link_neighbor=numbers[link_neighbor[known]],
        link_similarity=neighbors["similarity"].to_numpy(np.float64)[known],
        bought_user=np.asarray(bought["user_index"], dtype=np.int64),
        bought_item=np.asarray(bought["item_index"], dtype=np.int64),
        eligible=eligible,
    )


def role_numbers(person_items: object, condition: str, columns: list[str]) -> dict[str, np.ndarray]:
    """`columns` (user_index and item_index first) of the rows of `person_items` meeting the SQL
    `condition`, ordered by person and item, as NumPy arrays."""
    return to_numpy(order_by(select(where(person_items, condition), columns), ["user_index", "item_index"]))


def item_ids_by_index(items: pd.DataFrame) -> np.ndarray:
    """item_id by item number (0 .. the largest item_index) from int_recommendation_items."""
    numbers = items["item_index"].to_numpy(np.int64)
    item_ids = np.empty(int(numbers.max(initial=0)) + 1, dtype=object)
    item_ids[numbers] = items["item_id"].to_numpy(object)
    return item_ids


def item_cf_lists_table(
    person_items: object, items: pd.DataFrame, neighbors_by_role: dict[str, pd.DataFrame], cfg: CfListsConfig
) -> pd.DataFrame:
    """The item-CF part of every recommendation list (int_recommendation_lists adds the fill):
    snapshot_role, evaluation_mode, user_index, item_id, score, because_of_item_id, cf_rank.
    `items` is int_recommendation_items; `neighbors_by_role` the fitted neighbours of each role
    (item_neighbors for `current`, item_neighbors_backtest for the backtest)."""
    item_ids = item_ids_by_index(items)
    parts = []
    arrays_by_role: dict[str, CfArrays] = {}
    for role, mode, allow_bought in list_modes(cfg.serve_bought):
        if role not in arrays_by_role:
            arrays_by_role[role] = role_arrays(
                person_items, items, neighbors_by_role[role], role, cfg.history_items
            )
        top = top_n_item_cf(
            arrays_by_role[role], len(item_ids), cfg.top_n, allow_bought, cfg.max_block_contributions
        )
        parts.append(
            pd.DataFrame(
                {
                    "snapshot_role": role,
                    "evaluation_mode": mode,
                    "user_index": top["user_index"].to_numpy(np.int64),
                    "item_id": item_ids[top["item_index"].to_numpy(np.int64)],
                    "score": top["score"].to_numpy(np.float64),
                    "because_of_item_id": item_ids[top["because_of_item_index"].to_numpy(np.int64)],
                    "cf_rank": top["cf_rank"].to_numpy(np.int64),
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    return table.astype(
        {"snapshot_role": "str", "evaluation_mode": "str", "item_id": "str", "because_of_item_id": "str"}
    )
