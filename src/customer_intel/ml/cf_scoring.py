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


def link_table(arrays: CfArrays, n_items: int, allow_bought: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Neighbour links grouped by item: (indptr over items, neighbour, similarity). With
    `allow_bought` each item is also its own neighbour (similarity 1)."""
    items, neighbors, similarity = arrays.link_item, arrays.link_neighbor, arrays.link_similarity
    if allow_bought:
        own = np.unique(arrays.history_item)
        items = np.concatenate([items, own])
        neighbors = np.concatenate([neighbors, own])
        similarity = np.concatenate([similarity, np.ones(len(own))])
    order = np.lexsort((neighbors, items))
    indptr = np.zeros(n_items + 1, dtype=np.int64)
    np.add.at(indptr, items + 1, 1)
    return np.cumsum(indptr), neighbors[order], similarity[order]


def block_bounds(history_user: np.ndarray, counts: np.ndarray, max_contributions: int) -> list[tuple[int, int]]:
    """Row ranges of the history (sorted by person) holding whole people and at most
    `max_contributions` contributions each (a person with more gets a block alone)."""
    starts = np.flatnonzero(np.r_[True, history_user[1:] != history_user[:-1]])
    person_sizes = np.add.reduceat(counts, starts) if len(starts) else np.zeros(0, dtype=np.int64)
    bounds, first, size = [], 0, 0
    for i, person_size in enumerate(person_sizes):
        if size and size + person_size > max_contributions:
            bounds.append((int(starts[first]), int(starts[i])))
            first, size = i, 0
        size += int(person_size)
    if len(starts):
        bounds.append((int(starts[first]), len(history_user)))
    return bounds


def score_block(
    user: np.ndarray,
    item: np.ndarray,
    weight: np.ndarray,
    links: tuple[np.ndarray, np.ndarray, np.ndarray],
    arrays: CfArrays,
    bought_keys: np.ndarray,
    n_items: int,
    top_n: int,
) -> pd.DataFrame:
    """The top N eligible items of the people of one block of history rows."""
    indptr, neighbors, similarity = links
    counts = indptr[item + 1] - indptr[item]
    rows = np.repeat(np.arange(len(item)), counts)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    positions = indptr[item][rows] + offsets
    c_user, c_item, c_from = user[rows], neighbors[positions], item[rows]
    contribution = weight[rows] * similarity[positions]
    keys = c_user * n_items + c_item
    keep = arrays.eligible[c_item]
    if len(bought_keys):
        keep &= ~np.isin(keys, bought_keys, assume_unique=False)
    keys, c_from, contribution = keys[keep], c_from[keep], contribution[keep]
    if not len(keys):
        return pd.DataFrame({c: np.zeros(0, dtype=np.int64) for c in TOP_N_COLUMNS})
    # grouped by (person, item); within a group the last row is the largest contribution
    # (ties: the larger item number), which is the because_of item
    order = np.lexsort((c_from, contribution, keys))
    keys, c_from, fixed = keys[order], c_from[order], fixed_point(contribution[order])
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)] - 1
    totals = np.add.reduceat(fixed, starts)
    g_user, g_item = keys[starts] // n_items, keys[starts] % n_items
    # top N per person: by score desc, then the smaller item number
    ranked = np.lexsort((g_item, -totals, g_user))
    g_user, g_item, totals, because = g_user[ranked], g_item[ranked], totals[ranked], c_from[ends][ranked]
    person_starts = np.flatnonzero(np.r_[True, g_user[1:] != g_user[:-1]])
    rank = np.arange(len(g_user)) - np.repeat(person_starts, np.diff(np.r_[person_starts, len(g_user)])) + 1
    top = rank <= top_n
    return pd.DataFrame(
        {
            "user_index": g_user[top],
            "item_index": g_item[top],
            "score": totals[top] / SCALE,
            "because_of_item_index": because[top],
            "cf_rank": rank[top],
        }
    )


def top_n_item_cf(
    arrays: CfArrays, n_items: int, top_n: int, allow_bought: bool, max_block_contributions: int = 4_000_000
) -> pd.DataFrame:
    """The top `top_n` item-CF items of every person with history: user_index, item_index,
    score, because_of_item_index, cf_rank (1 = best). Bought items are excluded unless
    `allow_bought`. Memory is bounded by `max_block_contributions` (person x history x
    neighbour rows held at once), not by the number of people."""
    if top_n < 1:
        raise ValueError(f"top_n must be >= 1, got {top_n}")
    order = np.lexsort((arrays.history_item, arrays.history_user))
    user = arrays.history_user[order].astype(np.int64)
    item = arrays.history_item[order].astype(np.int64)
    weight = arrays.history_weight[order].astype(np.float64)
    links = link_table(arrays, n_items, allow_bought)
    bought_keys = (
        np.zeros(0, dtype=np.int64)
        if allow_bought
        else np.unique(arrays.bought_user.astype(np.int64) * n_items + arrays.bought_item.astype(np.int64))
    )
    counts = links[0][item + 1] - links[0][item]
    parts = []
    for a, b in block_bounds(user, counts, max_block_contributions):
        # the bought (person, item) keys of this block's people only (keys sort by person)
        lo, hi = np.searchsorted(bought_keys, [user[a] * n_items, (user[b - 1] + 1) * n_items])
        parts.append(
            score_block(user[a:b], item[a:b], weight[a:b], links, arrays, bought_keys[lo:hi], n_items, top_n)
        )
    if not parts:
        return pd.DataFrame({c: np.zeros(0, dtype=np.int64) for c in TOP_N_COLUMNS}).astype({"score": "float64"})
    return pd.concat(parts, ignore_index=True).astype(
        {"user_index": "int64", "item_index": "int64", "score": "float64", "because_of_item_index": "int64", "cf_rank": "int64"}
    )


LIST_COLUMNS = ["snapshot_role", "evaluation_mode", "user_index", "item_id", "score", "because_of_item_id", "cf_rank"]
ROLES = ("current", "recommendation_backtest")


@dataclass(frozen=True)
class CfListsConfig:
    """Settings of the item-CF lists (from the model's config, i.e. the project vars)."""

    top_n: int
    history_items: int
    serve_bought: bool
    max_block_contributions: int = 4_000_000


def config_from_params(params: dict[str, object]) -> CfListsConfig:
    """CfListsConfig from the Python model's config values (rendered vars arrive as strings)."""

    def whole(key: str) -> int:
        value = params.get(key)
        if value is None or not str(value).strip().isdigit() or int(str(value)) < 1:
            raise ValueError(f"item-CF lists: {key} must be a whole number >= 1, got {value!r}")
        return int(str(value))

    serve = str(params.get("serve_bought")).strip().lower()
    if serve not in ("true", "false"):
        raise ValueError(f"item-CF lists: serve_bought must be true or false, got {params.get('serve_bought')!r}")
    return CfListsConfig(
        top_n=whole("top_n"),
        history_items=whole("history_items"),
        serve_bought=serve == "true",
        max_block_contributions=whole("max_block_contributions"),
    )


def list_modes(cfg: CfListsConfig) -> list[tuple[str, str, bool]]:
    """(snapshot role, evaluation mode, allow bought) of every list: the served list in the
    configured mode, the backtest in both."""
    served = ("current", "include_bought" if cfg.serve_bought else "exclude_bought", cfg.serve_bought)
    return [served, ("recommendation_backtest", "exclude_bought", False), ("recommendation_backtest", "include_bought", True)]


def role_arrays(person_items: object, items: pd.DataFrame, neighbors: pd.DataFrame, role: str, history_items: int) -> CfArrays:
    """The numeric inputs of one snapshot role. `person_items` is the DuckDB relation of
    int_recommendation_person_items: only the role's numbers leave the warehouse (the history
    rows within `history_items` and the bought items), never the person keys."""
    if role not in ROLES:
        raise ValueError(f"unknown snapshot role {role!r}")
    history = person_items.filter(
        f"snapshot_role = '{role}' and history_rank <= {int(history_items)} and item_index is not null"
    ).project("user_index, item_index, interaction_weight").fetchnumpy()
    bought = person_items.filter(f"snapshot_role = '{role}' and is_bought and item_index is not null").project(
        "user_index, item_index"
    ).fetchnumpy()
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


def item_cf_lists_table(
    person_items: object, items: pd.DataFrame, neighbors_by_role: dict[str, pd.DataFrame], cfg: CfListsConfig
) -> pd.DataFrame:
    """The item-CF part of every recommendation list (int_recommendation_lists adds the fill):
    snapshot_role, evaluation_mode, user_index, item_id, score, because_of_item_id, cf_rank.
    `items` is int_recommendation_items; `neighbors_by_role` the fitted neighbours of each role
    (item_neighbors for `current`, item_neighbors_backtest for the backtest)."""
    item_ids = np.empty(int(items["item_index"].to_numpy(np.int64).max(initial=0)) + 1, dtype=object)
    item_ids[items["item_index"].to_numpy(np.int64)] = items["item_id"].to_numpy(object)
    parts = []
    arrays_by_role: dict[str, CfArrays] = {}
    for role, mode, allow_bought in list_modes(cfg):
        if role not in arrays_by_role:
            arrays_by_role[role] = role_arrays(person_items, items, neighbors_by_role[role], role, cfg.history_items)
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
    return table.astype({"snapshot_role": "str", "evaluation_mode": "str", "item_id": "str", "because_of_item_id": "str"})
