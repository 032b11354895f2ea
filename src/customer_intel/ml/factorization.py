"""Matrix factorization of the user-item matrix (PureSVD) and its top-N scoring.

The model of Cremonesi, Koren and Turrin (2010), "Performance of recommender algorithms on
top-N recommendation tasks": a truncated singular value decomposition of the people x items
matrix R of decayed interaction weights (0 where a person never touched an item), R ~ U S V'.
The fitted model is V, k factors per item (`item_factors`); a person's factors are their row
of R projected on it, x_u = r_u V (`user_factors`: a sparse product, exact, and possible for a
person the fit never saw); the score of item i is x_u . v_i, i.e. r_u V V' - the person's
interactions reconstructed through the k strongest taste dimensions.

The SVD is randomized (Halko, Martinsson and Tropp 2011, scikit-learn's `randomized_svd` with a
fixed seed and 7 power iterations): it multiplies R by dense k-column blocks only, so the
matrix stays sparse and nothing people x items is built; its cost grows with the non-zeros.

Scoring (`top_n_factorization`) is a dense product of a block of people with all item factors
(people x items only for that block), masked and cut to the top N per person, so memory is
bounded by the block size. Deterministic: fixed seed, fixed operation order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from customer_intel.ml.cf_scoring import flag_param, item_ids_by_index, list_modes, role_numbers, whole_param
from customer_intel.ml.recommend import positions_in_runs


@dataclass(frozen=True)
class FactorizationConfig:
    """Settings of the factorization (from the project vars)."""

    factors: int = 32
    seed: int = 42


def weight_matrix(
    user_index: np.ndarray, item_index: np.ndarray, weight: np.ndarray, n_users: int, n_items: int
) -> sparse.csr_matrix:
    """CSR people x items matrix of the positive weights; duplicates of a (person, item) are
    summed first; entries with weight <= 0 are left out (0)."""
    keep = np.asarray(weight, dtype=np.float64) > 0
    matrix = sparse.csr_matrix(
        (
            np.asarray(weight, dtype=np.float64)[keep],
            (np.asarray(user_index, dtype=np.int64)[keep], np.asarray(item_index, dtype=np.int64)[keep]),
        ),
        shape=(n_users, n_items),
    )
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix


def fit_svd(weights: sparse.csr_matrix, factors: int, seed: int) -> np.ndarray:
    """Item factors V (items x k) of a truncated SVD of the people x items weight matrix, by
    randomized SVD with a fixed seed; k is at most min(people, items) - 1 (and at least 1)."""
    from sklearn.utils.extmath import randomized_svd

    k = max(1, min(factors, min(weights.shape) - 1))
    _, _, vt = randomized_svd(weights, n_components=k, n_iter=7, random_state=seed)
    return np.ascontiguousarray(vt.T)


def project(weights: sparse.csr_matrix, items: np.ndarray) -> np.ndarray:
    """Every person's factors x_u = r_u V: their weight row projected on the item factors."""
    return np.asarray(weights @ items)


def top_n_factorization(
    users: np.ndarray,
    items: np.ndarray,
    eligible: np.ndarray,
    bought: sparse.csr_matrix | None,
    top_n: int,
    block_cells: int = 20_000_000,
) -> pd.DataFrame:
    """The top `top_n` eligible items of every person by x_u . y_i (ties: the smaller item
    number), excluding the person's entries of `bought` when given. Rows: user_row, item_index,
    score, mf_rank. People are scored in blocks of at most `block_cells` person x item cells."""
    return top_n_factorization_modes(users, items, eligible, [bought], top_n, block_cells)[0]


def top_n_factorization_modes(
    users: np.ndarray,
    items: np.ndarray,
    eligible: np.ndarray,
    exclusions: list[sparse.csr_matrix | None],
    top_n: int,
    block_cells: int = 20_000_000,
) -> list[pd.DataFrame]:
    """`top_n_factorization` for several exclusion sets at once (e.g. the include_bought and
    exclude_bought lists of the same people): each block's product is computed once."""
    if top_n < 1:
        raise ValueError(f"top_n must be >= 1, got {top_n}")
    n_users, n_items = users.shape[0], items.shape[0]
    empty = pd.DataFrame(
        {
            "user_row": np.zeros(0, np.int64),
            "item_index": np.zeros(0, np.int64),
            "score": np.zeros(0),
            "mf_rank": np.zeros(0, np.int64),
        }
    )
    if n_users == 0 or n_items == 0 or not eligible.any():
        return [empty.copy() for _ in exclusions]
    columns = np.flatnonzero(eligible[:n_items])
    candidates = items[columns]
    block = max(1, block_cells // max(len(columns), 1))
    keep = min(top_n, len(columns))
    parts: list[list[pd.DataFrame]] = [[] for _ in exclusions]
    # the lists without exclusions first: the last list to mask its bought items may then do it
    # in the block's product itself, without a copy
    sequence = sorted(range(len(exclusions)), key=lambda at: exclusions[at] is not None)
    for a in range(0, n_users, block):
        b = min(n_users, a + block)
        product = users[a:b] @ candidates.T
        for step, at in enumerate(sequence):
            scores, excluded = product, exclusions[at]
            if excluded is not None:
                hit = excluded[a:b][:, columns].tocoo()
                if hit.nnz:
                    scores = product.copy() if step < len(sequence) - 1 else product
                    scores[hit.row, hit.col] = -np.inf
            parts[at].append(block_top(scores, keep, columns, a))
    return [
        pd.concat(chunks, ignore_index=True).astype(
            {"user_row": "int64", "item_index": "int64", "score": "float64", "mf_rank": "int64"}
        )
        for chunks in parts
    ]


def block_top(scores: np.ndarray, keep: int, columns: np.ndarray, first_row: int) -> pd.DataFrame:
    """The `keep` best finite entries of every row of one block, ranked by score desc, then item
    number asc (`columns` maps block columns to item numbers, in item order)."""
    rows, cols = row_candidates(scores, keep)
    values = scores[rows, cols]
    order = np.lexsort((cols, -values, rows))
    rows, cols, values = rows[order], cols[order], values[order]
    rank = positions_in_runs(rows) + 1
    top = (rank <= keep) & np.isfinite(values)
    return pd.DataFrame(
        {
            "user_row": rows[top] + first_row,
            "item_index": columns[cols[top]],
            "score": values[top],
            "mf_rank": rank[top],
        }
    )


def row_candidates(scores: np.ndarray, keep: int, sample: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of every entry that can be among its row's `keep` largest: those at least
    the row's keep-th largest value within an evenly spaced sample of the columns (a lower
    bound of the true keep-th largest, so no top entry is missed). Ties at that value are all
    kept. Much cheaper than a partition of every row: one comparison pass over the block."""
    n_cols = scores.shape[1]
    if n_cols <= max(sample, keep):
        return np.nonzero(np.ones_like(scores, dtype=bool))
    stride = n_cols // sample
    subset = scores[:, ::stride]
    threshold = np.partition(subset, subset.shape[1] - keep, axis=1)[:, subset.shape[1] - keep]
    return np.nonzero(scores >= threshold[:, None])


ROLES = ("current", "recommendation_backtest")


def config_from_params(params: dict[str, object]) -> FactorizationConfig:
    """FactorizationConfig from the Python model's config values (rendered vars arrive as
    strings); a clear error for a value out of range."""

    def number(key: str, low: float, whole: bool) -> float:
        raw = params.get(key)
        try:
            value = float(str(raw).strip())
        except ValueError:
            value = float("nan")
        if not np.isfinite(value) or value < low or (whole and value != int(value)):
            kind = "a whole number" if whole else "a number"
            raise ValueError(f"factorization: {key} must be {kind} >= {low}, got {raw!r}")
        return value

    return FactorizationConfig(
        factors=int(number("factors", 1, True)),
        seed=int(number("seed", 0, True)),
    )


def role_interactions(person_items: object, role: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user_index, item_index, weight) of the positive interactions of one snapshot role, from
    the relation of int_recommendation_person_items, DuckDB or Spark (numbers only leave the
    warehouse), ordered by person and item."""
    if role not in ROLES:
        raise ValueError(f"unknown snapshot role {role!r}")
    rows = role_numbers(
        person_items,
        f"snapshot_role = '{role}' and item_index is not null and interaction_weight > 0",
        ["user_index", "item_index", "interaction_weight"],
    )
    return (
        np.asarray(rows["user_index"], dtype=np.int64),
        np.asarray(rows["item_index"], dtype=np.int64),
        np.asarray(rows["interaction_weight"], dtype=np.float64),
    )


def fit_role(
    user_index: np.ndarray, item_index: np.ndarray, weight: np.ndarray, n_items: int, cfg: FactorizationConfig
) -> tuple[np.ndarray, np.ndarray]:
    """(observed items, their factors) of one role: the SVD of the role's interactions."""
    people, rows = np.unique(user_index, return_inverse=True)
    weights = weight_matrix(rows, item_index, weight, len(people), n_items)
    items = fit_svd(weights, cfg.factors, cfg.seed)
    observed = np.flatnonzero(weights.getnnz(axis=0))
    return observed, items[observed]


def long_factors(role: str, key_name: str, keys: np.ndarray, factors: np.ndarray) -> pd.DataFrame:
    """One row per (key, factor): snapshot_role, <key_name>, factor_index (1-based), factor_value."""
    k = factors.shape[1] if factors.ndim == 2 else 0
    return pd.DataFrame(
        {
            "snapshot_role": role,
            key_name: np.repeat(keys, k),
            "factor_index": np.tile(np.arange(1, k + 1, dtype=np.int64), len(keys)),
            "factor_value": factors.reshape(-1).astype(np.float64),
        }
    )


def item_factors_table(person_items: object, items: pd.DataFrame, cfg: FactorizationConfig) -> pd.DataFrame:
    """The fitted item factors of both snapshot roles: snapshot_role, item_id, factor_index,
    factor_value (items with an interaction in the role's window only). `items` is
    int_recommendation_items (item_index -> item_id)."""
    item_ids = item_ids_by_index(items)
    parts = []
    for role in ROLES:
        users, item_idx, weight = role_interactions(person_items, role)
        if len(users) == 0:
            continue
        observed, factors = fit_role(users, item_idx, weight, len(item_ids), cfg)
        frame = long_factors(role, "item_id", item_ids[observed], factors)
        parts.append(frame)
    return finish(
        parts,
        {"snapshot_role": object, "item_id": object, "factor_index": "int64", "factor_value": "float64"},
    )


def finish(parts: list[pd.DataFrame], dtypes: dict[str, object]) -> pd.DataFrame:
    """`parts` concatenated with `dtypes`, or an empty frame with those columns (text columns
    typed as strings, so that DuckDB still stores varchar columns)."""
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="string" if t is object else t) for c, t in dtypes.items()})
    return pd.concat(parts, ignore_index=True).astype(dtypes)


def factor_matrix(factors: pd.DataFrame, role: str, key_name: str, index: pd.Index, k: int) -> np.ndarray:
    """Dense (len(index) x k) matrix of the long factors of `role`; rows of keys without factors
    stay 0."""
    rows = factors[factors["snapshot_role"] == role]
    out = np.zeros((len(index), k))
    at = index.get_indexer(rows[key_name].astype(object))
    known = at >= 0
    out[at[known], rows["factor_index"].to_numpy(np.int64)[known] - 1] = rows["factor_value"].to_numpy(
        np.float64
    )[known]
    return out


def fitted_factors(item_factors: pd.DataFrame, role: str) -> int:
    """k of the role's fit (the largest factor_index; 0 without factors)."""
    of_role = item_factors.loc[item_factors["snapshot_role"] == role, "factor_index"]
    return int(of_role.max()) if len(of_role) else 0


def user_factors_table(person_items: object, items: pd.DataFrame, item_factors: pd.DataFrame) -> pd.DataFrame:
    """Every person's factors given the published item factors (`project`), both roles:
    snapshot_role, user_index, factor_index, factor_value (people with a positive interaction)."""
    item_ids = item_ids_by_index(items)
    index = pd.Index(item_ids)
    parts = []
    for role in ROLES:
        users, item_idx, weight = role_interactions(person_items, role)
        if len(users) == 0:
            continue
        y = factor_matrix(item_factors, role, "item_id", index, fitted_factors(item_factors, role))
        people, rows = np.unique(users, return_inverse=True)
        x = project(weight_matrix(rows, item_idx, weight, len(people), len(item_ids)), y)
        parts.append(long_factors(role, "user_index", people, x))
    return finish(
        parts,
        {"snapshot_role": object, "user_index": "int64", "factor_index": "int64", "factor_value": "float64"},
    )


def strongest_contributors(
    weights: sparse.csr_matrix,
    items: np.ndarray,
    user_row: np.ndarray,
    item_index: np.ndarray,
    max_entries: int = 2_000_000,
) -> np.ndarray:
    """For every (person row, item j) pair: the person's interacted item i contributing most to
    the score, which splits exactly as x_u . v_j = sum over i of w_ui (v_i . v_j); ties go to the
    larger item number; -1 for a person without interactions. People are taken in chunks whose
    (pair, interacted item) entries stay within `max_entries`; each chunk multiplies only the
    factors of its own interacted and recommended items."""
    out = np.full(len(user_row), -1, dtype=np.int64)
    if len(user_row) == 0:
        return out
    order = np.argsort(user_row, kind="stable")
    rows, targets = user_row[order], item_index[order]
    history = np.diff(weights.indptr)[rows]
    bounds = np.searchsorted(
        np.cumsum(history), np.arange(max_entries, history.sum() + max_entries, max_entries)
    )
    start = 0
    for stop in np.unique(np.minimum(bounds + 1, len(rows))):
        if stop <= start:
            continue
        pair_rows, pair_items, counts = rows[start:stop], targets[start:stop], history[start:stop]
        if counts.sum() == 0:
            start = stop
            continue
        firsts = weights.indptr[pair_rows]
        pair_of = np.repeat(np.arange(stop - start), counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        entry = np.repeat(firsts, counts) + offsets
        hist_items = weights.indices[entry]
        h_ids, h_pos = dense_positions(hist_items, items.shape[0])
        j_ids, j_pos = dense_positions(pair_items, items.shape[0])
        similarity = items[h_ids] @ items[j_ids].T
        contribution = weights.data[entry] * similarity[h_pos, j_pos[pair_of]]
        # entries come grouped by pair: the largest term per pair, then the largest item among
        # the terms equal to it (every pair here has at least one entry)
        starts = np.cumsum(counts) - counts
        has = counts > 0
        best = np.maximum.reduceat(contribution, starts[has])
        tied = np.where(contribution == np.repeat(best, counts[has]), hist_items, -1)
        out[order[start + np.flatnonzero(has)]] = np.maximum.reduceat(tied, starts[has])
        start = stop
    return out


def dense_positions(values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values in increasing order, position of each value among them) for integers in
    [0, size), by a mark-and-count pass instead of a sort."""
    seen = np.zeros(size, dtype=bool)
    seen[values] = True
    distinct = np.flatnonzero(seen)
    position = np.full(size, -1, dtype=np.int64)
    position[distinct] = np.arange(len(distinct))
    return distinct, position[values]


def bought_matrix(person_items: object, role: str, people: np.ndarray, n_items: int) -> sparse.csr_matrix:
    """people x items matrix of 1 where the person (row of the sorted `people`) bought the item
    on or before the role's date (int_recommendation_person_items.is_bought)."""
    bought = f"snapshot_role = '{role}' and is_bought and item_index is not null"
    rows = role_numbers(person_items, bought, ["user_index", "item_index"])
    b_user = np.asarray(rows["user_index"], dtype=np.int64)
    b_item = np.asarray(rows["item_index"], dtype=np.int64)
    known = np.isin(b_user, people)
    return sparse.csr_matrix(
        (np.ones(int(known.sum())), (np.searchsorted(people, b_user[known]), b_item[known])),
        shape=(len(people), n_items),
    )


def factorization_lists_table(
    person_items: object,
    items: pd.DataFrame,
    item_factors: pd.DataFrame,
    user_factors: pd.DataFrame,
    top_n: int,
    serve_bought: bool,
) -> pd.DataFrame:
    """The factorization part of every recommendation list, the same lists and columns as
    item_cf_lists (int_recommendation_lists adds the fill): the top N recommendable items per
    person by x_u . y_i; bought items excluded unless the list allows them."""
    item_ids = item_ids_by_index(items)
    index = pd.Index(item_ids)
    eligible = np.zeros(len(item_ids), dtype=bool)
    eligible[items["item_index"].to_numpy(np.int64)] = items["is_recommendable"].to_numpy(bool)
    lists = list_modes(serve_bought)
    parts = []
    for role in dict.fromkeys(role for role, _, _ in lists):
        modes = [(mode, allow) for r, mode, allow in lists if r == role]
        people = np.unique(
            user_factors.loc[user_factors["snapshot_role"] == role, "user_index"].to_numpy(np.int64)
        )
        if len(people) == 0:
            continue
        k = fitted_factors(item_factors, role)
        x = factor_matrix(user_factors, role, "user_index", pd.Index(people), k)
        y = factor_matrix(item_factors, role, "item_id", index, k)
        # items without factors in this role score 0 and are no candidates
        has_factors = np.zeros(len(item_ids), dtype=bool)
        at = index.get_indexer(
            item_factors.loc[item_factors["snapshot_role"] == role, "item_id"].astype(object)
        )
        has_factors[at[at >= 0]] = True
        exclusions = [
            None if allow else bought_matrix(person_items, role, people, len(item_ids)) for _, allow in modes
        ]
        tops = top_n_factorization_modes(x, y, eligible & has_factors, exclusions, top_n)
        users, item_idx, weight = role_interactions(person_items, role)
        weights = weight_matrix(np.searchsorted(people, users), item_idx, weight, len(people), len(item_ids))
        for (mode, _), top in zip(modes, tops, strict=True):
            because = strongest_contributors(
                weights, y, top["user_row"].to_numpy(np.int64), top["item_index"].to_numpy(np.int64)
            )
            parts.append(
                pd.DataFrame(
                    {
                        "snapshot_role": role,
                        "evaluation_mode": mode,
                        "user_index": people[top["user_row"].to_numpy(np.int64)],
                        "item_id": item_ids[top["item_index"].to_numpy(np.int64)],
                        "score": top["score"].to_numpy(np.float64),
                        "because_of_item_id": pd.Series(
                            np.where(because >= 0, item_ids[np.maximum(because, 0)], None), dtype="string"
                        ),
                        "cf_rank": top["mf_rank"].to_numpy(np.int64),
                    }
                )
            )
    return finish(
        parts,
        {
            "snapshot_role": object,
            "evaluation_mode": object,
            "user_index": "int64",
            "item_id": object,
            "score": "float64",
            "because_of_item_id": "string",
            "cf_rank": "int64",
        },
    )


def list_settings(params: dict[str, object]) -> tuple[int, bool]:
    """(top_n, serve_bought) of the lists from the Python model's config values."""
    label = "factorization lists"
    return whole_param(params, "top_n", label), flag_param(params, "serve_bought", label)
