"""Matrix factorization (customer_intel.ml.factorization): the truncated SVD against numpy's
exact SVD, the top-N scoring against brute force, the tables the Python models write, and the
planted structure it must find."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from customer_intel.ml.factorization import (
    FactorizationConfig,
    config_from_params,
    factorization_lists_table,
    fit_svd,
    item_factors_table,
    list_settings,
    project,
    top_n_factorization,
    top_n_factorization_modes,
    user_factors_table,
    weight_matrix,
)

GROUPS, ITEMS_PER_GROUP = 6, 8


def planted(seed: int = 0, users: int = 240, rows: int = 2400) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """People who only touch the items of their own taste group (user % GROUPS)."""
    rng = np.random.default_rng(seed)
    user = rng.integers(0, users, rows)
    item = (user % GROUPS) * ITEMS_PER_GROUP + rng.integers(0, ITEMS_PER_GROUP, rows)
    weight = rng.uniform(0.5, 3.0, rows)
    return user, item, weight


def test_weight_matrix_sums_duplicates_and_drops_non_positive_weights() -> None:
    weights = weight_matrix(
        np.array([0, 0, 1, 1]), np.array([2, 2, 0, 1]), np.array([1.0, 0.5, 0.0, -1.0]), 2, 3
    )
    assert weights.toarray().tolist() == [[0.0, 0.0, 1.5], [0.0, 0.0, 0.0]]


def test_svd_spans_the_top_singular_subspace_and_is_deterministic() -> None:
    user, item, weight = planted()
    weights = weight_matrix(user, item, weight, 240, GROUPS * ITEMS_PER_GROUP)
    items = fit_svd(weights, 4, seed=42)
    assert items.shape == (GROUPS * ITEMS_PER_GROUP, 4)
    assert np.array_equal(items, fit_svd(weights, 4, seed=42))
    exact = np.linalg.svd(weights.toarray(), full_matrices=False)[2][:4].T
    # the same subspace as numpy's exact SVD (singular vectors are unique up to sign)
    np.testing.assert_allclose(np.abs(exact.T @ items), np.eye(4), rtol=0, atol=1e-6)
    # k never exceeds min(people, items) - 1
    assert fit_svd(weights[:3], 10, seed=42).shape[1] == 2


def test_scores_reconstruct_the_interactions_through_the_factors() -> None:
    user, item, weight = planted()
    weights = weight_matrix(user, item, weight, 240, GROUPS * ITEMS_PER_GROUP)
    items = fit_svd(weights, 6, seed=42)
    people = project(weights, items)
    np.testing.assert_allclose(people @ items.T, weights.toarray() @ items @ items.T, rtol=0, atol=1e-9)


def test_factorization_finds_the_planted_taste_groups() -> None:
    # about 3 of their group's 8 items per person: the 3 best items they have not touched yet
    user, item, weight = planted(rows=720)
    n_items = GROUPS * ITEMS_PER_GROUP
    weights = weight_matrix(user, item, weight, 240, n_items)
    items = fit_svd(weights, GROUPS, seed=42)
    top = top_n_factorization(project(weights, items), items, np.ones(n_items, bool), weights, 3)
    top = top[np.isin(top["user_row"], np.unique(user))]  # people without interactions score 0
    in_group = (top["item_index"].to_numpy() // ITEMS_PER_GROUP) == (top["user_row"].to_numpy() % GROUPS)
    # by chance 1 in 6; the planted structure puts (almost) every top-3 item in the person's group
    assert in_group.mean() > 0.95


def test_top_n_matches_brute_force_with_exclusions_ties_and_blocks() -> None:
    rng = np.random.default_rng(3)
    people = rng.normal(size=(13, 4))
    items = rng.normal(size=(9, 4))
    items[5] = items[2]  # a tie: the smaller item number first
    eligible = np.ones(9, bool)
    eligible[7] = False
    bought = sparse.csr_matrix((np.ones(3), ([0, 0, 4], [2, 3, 1])), shape=(13, 9))
    for block_cells in (1, 10, 10**6):
        top = top_n_factorization(people, items, eligible, bought, 4, block_cells=block_cells)
        for u in range(13):
            scores = people[u] @ items.T
            scores[~eligible] = -np.inf
            scores[bought[u].indices] = -np.inf
            expected = [i for i in np.lexsort((np.arange(9), -scores)) if np.isfinite(scores[i])][:4]
            got = top[top["user_row"] == u]
            assert got["item_index"].tolist() == expected
            assert got["mf_rank"].tolist() == [1, 2, 3, 4]
            np.testing.assert_allclose(got["score"].to_numpy(), scores[expected], rtol=0, atol=1e-12)


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 0, 2)])
def test_modes_mask_only_their_own_exclusions(order: tuple[int, int, int]) -> None:
    # one product per block serves lists with and without exclusions, in any order: each equals
    # its own single-list result (no list sees another's masked items)
    rng = np.random.default_rng(5)
    people, items = rng.normal(size=(11, 3)), rng.normal(size=(8, 3))
    eligible = np.ones(8, bool)
    first = sparse.csr_matrix((np.ones(4), ([0, 1, 1, 6], [2, 3, 5, 0])), shape=(11, 8))
    second = sparse.csr_matrix((np.ones(2), ([0, 9], [4, 7])), shape=(11, 8))
    exclusions = [[first, None, second][at] for at in order]
    for block_cells in (8, 10**6):
        lists = top_n_factorization_modes(people, items, eligible, exclusions, 3, block_cells=block_cells)
        for excluded, got in zip(exclusions, lists, strict=True):
            alone = top_n_factorization(people, items, eligible, excluded, 3, block_cells=block_cells)
            pd.testing.assert_frame_equal(got, alone)


def test_top_n_never_offers_more_than_the_eligible_items() -> None:
    top = top_n_factorization(np.ones((2, 2)), np.ones((3, 2)), np.array([True, False, True]), None, 10)
    assert top.groupby("user_row").size().tolist() == [2, 2]
    assert top_n_factorization(np.ones((2, 2)), np.ones((3, 2)), np.zeros(3, bool), None, 10).empty
    with pytest.raises(ValueError, match="top_n"):
        top_n_factorization(np.ones((1, 2)), np.ones((1, 2)), np.ones(1, bool), None, 0)


def test_config_errors_name_the_setting() -> None:
    params = {"factors": "8", "seed": "42"}
    assert config_from_params(params) == FactorizationConfig(factors=8, seed=42)
    for key, bad in (("factors", "2.5"), ("factors", "0"), ("seed", "x")):
        with pytest.raises(ValueError, match=key):
            config_from_params({**params, key: bad})
    assert list_settings({"top_n": "10", "serve_bought": "False"}) == (10, False)
    with pytest.raises(ValueError, match="serve_bought"):
        list_settings({"top_n": "10", "serve_bought": "maybe"})


def test_tables_of_the_python_models() -> None:
    """item_factors -> user_factors -> factorization_lists on a DuckDB relation, as dbt runs them:
    user factors are the projection on the published item factors, lists skip bought and
    non-recommendable items, and the backtest role is fitted on its own rows only."""
    user, item, weight = planted(users=60, rows=600)
    n_items = GROUPS * ITEMS_PER_GROUP
    item_ids = [f"i{n:02d}" for n in range(n_items)]
    items = pd.DataFrame(
        {
            "item_id": item_ids,
            "item_index": range(n_items),
            "is_recommendable": [n != 1 for n in range(n_items)],
        }
    )
    rows = pd.DataFrame({"user_index": user, "item_index": item, "interaction_weight": weight})
    rows = rows.groupby(["user_index", "item_index"], as_index=False)["interaction_weight"].sum()
    current = rows.assign(snapshot_role="current", is_bought=rows["interaction_weight"] > 2.5)
    # the backtest sees only the first half of the people
    backtest = rows[rows["user_index"] < 30].assign(snapshot_role="recommendation_backtest", is_bought=False)
    frame = pd.concat([current, backtest], ignore_index=True)
    con = duckdb.connect()
    con.register("person_items_frame", frame)
    person_items = con.sql("select * from person_items_frame")
    cfg = FactorizationConfig(factors=6)
    item_factors = item_factors_table(person_items, items, cfg)
    assert set(item_factors.groupby("snapshot_role")["factor_index"].max()) == {6}
    user_factors = user_factors_table(person_items, items, item_factors)
    assert user_factors.groupby("snapshot_role")["user_index"].nunique().to_dict() == {
        "current": 60,
        "recommendation_backtest": 30,
    }
    # the published user factors are the weight rows projected on the published item factors
    y = (
        item_factors[item_factors["snapshot_role"] == "current"]
        .pivot(index="item_id", columns="factor_index", values="factor_value")
        .reindex(item_ids)
        .fillna(0.0)
        .to_numpy()
    )
    weights = weight_matrix(
        current["user_index"].to_numpy(),
        current["item_index"].to_numpy(),
        current["interaction_weight"].to_numpy(),
        60,
        n_items,
    )
    x = (
        user_factors[user_factors["snapshot_role"] == "current"]
        .pivot(index="user_index", columns="factor_index", values="factor_value")
        .to_numpy()
    )
    np.testing.assert_allclose(x, weights.toarray() @ y, rtol=0, atol=1e-12)

    lists = factorization_lists_table(person_items, items, item_factors, user_factors, 5, False)
    assert set(map(tuple, lists[["snapshot_role", "evaluation_mode"]].drop_duplicates().to_numpy())) == {
        ("current", "exclude_bought"),
        ("recommendation_backtest", "exclude_bought"),
        ("recommendation_backtest", "include_bought"),
    }
    assert "i01" not in set(lists["item_id"])
    served = lists[lists["snapshot_role"] == "current"].merge(
        current.assign(item_id=[item_ids[i] for i in current["item_index"]]), on=["user_index", "item_id"]
    )
    assert not served["is_bought"].any()
    # scores are the dot products of the two tables
    first = lists[(lists["snapshot_role"] == "current") & (lists["cf_rank"] == 1)].iloc[0]
    expected = x[int(first["user_index"])] @ y[item_ids.index(first["item_id"])]
    assert abs(first["score"] - expected) < 1e-12


def test_top_n_on_a_wide_catalog_matches_brute_force() -> None:
    """With more items than the sample of `row_candidates`, the threshold path: the same lists as
    a full sort, ties (repeated item factors) and exclusions included."""
    rng = np.random.default_rng(5)
    n_items = 3000
    people = rng.normal(size=(40, 3))
    items = np.round(rng.normal(size=(n_items, 3)), 1)  # coarse values: many exact ties
    eligible = rng.random(n_items) > 0.1
    bought = sparse.random(40, n_items, density=0.01, random_state=1, format="csr")
    top = top_n_factorization(people, items, eligible, bought, 7, block_cells=25_000)
    assert top["user_row"].nunique() == 40
    for u in range(40):
        scores = people[u] @ items.T
        scores[~eligible] = -np.inf
        scores[bought[u].indices] = -np.inf
        expected = np.lexsort((np.arange(n_items), -scores))[:7].tolist()
        assert top.loc[top["user_row"] == u, "item_index"].tolist() == expected, u


def test_no_interactions_give_typed_empty_tables() -> None:
    """A shop where nobody has a positive interaction: every table is empty, with text columns
    DuckDB stores as varchar (an untyped empty column would be of type NULL downstream)."""
    frame = pd.DataFrame(
        {
            "snapshot_role": pd.Series(dtype=object),
            "user_index": pd.Series(dtype="int64"),
            "item_index": pd.Series(dtype="int64"),
            "interaction_weight": pd.Series(dtype="float64"),
            "is_bought": pd.Series(dtype=bool),
        }
    )
    items = pd.DataFrame({"item_id": ["a"], "item_index": [0], "is_recommendable": [True]})
    con = duckdb.connect()
    con.register("person_items_frame", frame)
    person_items = con.sql("select * from person_items_frame")
    item_factors = item_factors_table(person_items, items, FactorizationConfig())
    user_factors = user_factors_table(person_items, items, item_factors)
    lists = factorization_lists_table(person_items, items, item_factors, user_factors, 10, False)
    for table in (item_factors, user_factors, lists):
        assert table.empty
        con.register("out", table)
        types = dict(con.execute("select column_name, column_type from (describe out)").fetchall())
        assert not any("NULL" in kind for kind in types.values()), types
        con.unregister("out")


def test_strongest_contributor_splits_the_score_exactly() -> None:
    """because_of_item_id of a factorization row: the score x_u . v_j is the sum over the
    person's items i of w_ui (v_i . v_j); the largest term's item (ties: larger item number),
    checked by brute force, in chunks of every size."""
    from customer_intel.ml.factorization import strongest_contributors

    user, item, weight = planted(rows=900)
    n_items = GROUPS * ITEMS_PER_GROUP
    weights = weight_matrix(user, item, np.round(weight), 250, n_items)  # rounded: ties happen
    items = np.round(fit_svd(weights, 4, seed=42), 2)
    people = project(weights, items)
    top = top_n_factorization(people, items, np.ones(n_items, bool), weights, 3)
    pairs = top.sample(frac=1.0, random_state=0)  # any order of the pairs
    rows, targets = pairs["user_row"].to_numpy(), pairs["item_index"].to_numpy()
    dense = weights.toarray()
    expected = []
    for u, j in zip(rows, targets, strict=True):
        touched = np.flatnonzero(dense[u])
        if len(touched) == 0:
            expected.append(-1)
            continue
        terms = dense[u, touched] * (items[touched] @ items[j])
        assert abs(terms.sum() - people[u] @ items[j]) < 1e-9  # the split is exact
        best = terms.max()
        expected.append(int(touched[terms == best].max()))
    for max_entries in (1, 7, 10**6):
        got = strongest_contributors(weights, items, rows, targets, max_entries=max_entries)
        assert got.tolist() == expected
