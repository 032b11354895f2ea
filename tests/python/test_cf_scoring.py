"""Item-CF scoring of the recommendation lists (customer_intel.ml.cf_scoring), by hand on a tiny
shop: items x1-x4 and y1-y3, a non-merchandise code z9 and an unknown item u9 (neither may be
recommended). Weights and similarities are binary fractions, so every score is exact."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from customer_intel.ml.cf_scoring import (
    CfArrays,
    CfListsConfig,
    block_bounds,
    config_from_params,
    fixed_point,
    item_cf_lists_table,
    row_thresholds,
    top_by_float,
    top_n_item_cf,
)

ITEM_IDS = ["u9", "x1", "x2", "x3", "x4", "y1", "y2", "y3", "z9"]
ITEMS = pd.DataFrame(
    {
        "item_id": ITEM_IDS,
        "is_recommendable": [item not in ("u9", "z9") for item in ITEM_IDS],
        "item_index": range(1, len(ITEM_IDS) + 1),
    }
)
NO_NEIGHBORS = pd.DataFrame({"item_id": [], "neighbor_item_id": [], "similarity": []})
CURRENT_NEIGHBORS = pd.DataFrame(
    [
        ("x1", "z9", 1.0), ("x1", "y1", 0.5), ("x1", "y2", 0.25), ("x1", "x4", 0.25),
        ("x2", "u9", 1.0), ("x2", "x3", 1.0), ("x2", "y2", 0.5), ("x2", "y1", 0.25),
        ("y3", "x4", 1.0), ("y3", "y1", 0.5),
    ],
    columns=["item_id", "neighbor_item_id", "similarity"],
)  # fmt: skip


def person_items(rows: list[tuple]) -> duckdb.DuckDBPyRelation:
    """int_recommendation_person_items as a DuckDB relation: (role, user_index, item_id,
    weight or None, bought)."""
    con = duckdb.connect()
    frame = pd.DataFrame(
        rows, columns=["snapshot_role", "user_index", "item_id", "interaction_weight", "is_bought"]
    )
    frame = frame.merge(ITEMS[["item_id", "item_index"]], on="item_id", how="left")
    con.register("person_items_frame", frame)
    return con.sql(
        "select *, case when interaction_weight > 0 then row_number() over (partition by user_index "
        "order by interaction_weight desc, item_id) end as history_rank from person_items_frame"
    )


def lists(rows: list[tuple], neighbors: dict[str, pd.DataFrame], **config: object) -> pd.DataFrame:
    cfg = CfListsConfig(**{"top_n": 3, "history_items": 2, "serve_bought": False, **config})
    table = item_cf_lists_table(person_items(rows), ITEMS, neighbors, cfg)
    return table.sort_values(["snapshot_role", "evaluation_mode", "user_index", "cf_rank"]).reset_index(
        drop=True
    )


def as_tuples(table: pd.DataFrame, role: str, mode: str) -> list[tuple]:
    part = table[(table["snapshot_role"] == role) & (table["evaluation_mode"] == mode)]
    return list(
        part[["user_index", "cf_rank", "item_id", "score", "because_of_item_id"]].itertuples(
            index=False, name=None
        )
    )


def test_scores_by_hand() -> None:
    """p1 has x1 (weight 4), x2 (2) and y3 (1); with history_items 2 only x1 and x2 count, so
    y3's links (to y1 and x4) add nothing. y1 = 4x0.5 + 2x0.25 = 2.5 because of x1 (the larger
    contribution, though x2 has the larger id); x3 = 2x1 = 2.0 because of x2; y2 = 4x0.25 +
    2x0.5 = 2.0, a tie of contributions, because of the larger id x2; x4 = 4x0.25 = 1.0 is
    fourth and cut by top_n 3. x3 and y2 tie on score and rank by item id. z9 (score 4) and u9
    (score 2) may not be recommended."""
    rows = [
        ("current", 1, "x1", 4.0, False),
        ("current", 1, "x2", 2.0, False),
        ("current", 1, "y3", 1.0, False),
    ]
    table = lists(rows, {"current": CURRENT_NEIGHBORS, "recommendation_backtest": NO_NEIGHBORS})
    assert as_tuples(table, "current", "exclude_bought") == [
        (1, 1, "y1", 2.5, "x1"),
        (1, 2, "x3", 2.0, "x2"),
        (1, 3, "y2", 2.0, "x2"),
    ]


def test_each_list_reads_its_own_neighbours() -> None:
    """p8 is served (user 1) and evaluated (user 2). item_neighbors links x1 to y1,
    item_neighbors_backtest links x1 to y2; the served list offers y1, the backtest lists y2."""
    rows = [("current", 1, "x1", 1.0, False), ("recommendation_backtest", 2, "x1", 2.0, False)]
    neighbors = {
        "current": pd.DataFrame({"item_id": ["x1"], "neighbor_item_id": ["y1"], "similarity": [0.5]}),
        "recommendation_backtest": pd.DataFrame(
            {"item_id": ["x1"], "neighbor_item_id": ["y2"], "similarity": [0.5]}
        ),
    }
    table = lists(rows, neighbors)
    assert as_tuples(table, "current", "exclude_bought") == [(1, 1, "y1", 0.5, "x1")]
    assert as_tuples(table, "recommendation_backtest", "exclude_bought") == [(2, 1, "y2", 1.0, "x1")]
    # include_bought: x1 is its own neighbour (2 x 1), ahead of y2
    assert as_tuples(table, "recommendation_backtest", "include_bought") == [
        (2, 1, "x1", 2.0, "x1"),
        (2, 2, "y2", 1.0, "x1"),
    ]


def test_bought_items_only_in_include_mode() -> None:
    """p2 (backtest user 3: x1 weight 2, x2 weight 1) bought x2, x3 and y1 before the cutoff.
    Exclude: only y2 (2x0.25 + 1x0.5 = 1.0, tie of contributions: because of x2). Include: bought
    items come back and interacted items are their own neighbours: x1 = 2x1 = 2.0, x2 = 1x1 +
    2x0.5 = 2.0 (tie: because of the larger id x2), then x3 = 1x1 = 1.0 ahead of y1 and y2 (1.0,
    larger ids)."""
    rows = [
        ("recommendation_backtest", 3, "x1", 2.0, False),
        ("recommendation_backtest", 3, "x2", 1.0, True),
        ("recommendation_backtest", 3, "x3", None, True),
        ("recommendation_backtest", 3, "y1", None, True),
    ]
    neighbors = pd.DataFrame(
        [("x1", "x2", 0.5), ("x1", "x3", 0.5), ("x1", "y1", 0.5), ("x1", "y2", 0.25), ("x2", "y2", 0.5)],
        columns=["item_id", "neighbor_item_id", "similarity"],
    )
    table = lists(rows, {"current": NO_NEIGHBORS, "recommendation_backtest": neighbors})
    assert as_tuples(table, "recommendation_backtest", "exclude_bought") == [(3, 1, "y2", 1.0, "x2")]
    assert as_tuples(table, "recommendation_backtest", "include_bought") == [
        (3, 1, "x1", 2.0, "x1"),
        (3, 2, "x2", 2.0, "x2"),
        (3, 3, "x3", 1.0, "x1"),
    ]


def test_served_list_follows_recommend_already_bought() -> None:
    rows = [("current", 1, "x1", 4.0, True)]
    table = lists(
        rows, {"current": CURRENT_NEIGHBORS, "recommendation_backtest": NO_NEIGHBORS}, serve_bought=True
    )
    assert set(table["evaluation_mode"][table["snapshot_role"] == "current"]) == {"include_bought"}
    assert as_tuples(table, "current", "include_bought")[0] == (1, 1, "x1", 4.0, "x1")


def random_arrays(seed: int, people: int = 300, n_items: int = 60) -> CfArrays:
    rng = np.random.default_rng(seed)
    history = pd.DataFrame(
        {"user": rng.integers(0, people, 3000), "item": rng.integers(0, n_items, 3000)}
    ).drop_duplicates()
    links = pd.DataFrame({"item": rng.integers(0, n_items, 800), "nb": rng.integers(0, n_items, 800)})
    links = links[links["item"] != links["nb"]].drop_duplicates()
    bought = history.sample(frac=0.3, random_state=seed)
    return CfArrays(
        history_user=history["user"].to_numpy(np.int64),
        history_item=history["item"].to_numpy(np.int64),
        history_weight=rng.integers(1, 40, len(history)) / 8.0,
        link_item=links["item"].to_numpy(np.int64),
        link_neighbor=links["nb"].to_numpy(np.int64),
        link_similarity=rng.integers(1, 17, len(links)) / 16.0,
        bought_user=bought["user"].to_numpy(np.int64),
        bought_item=bought["item"].to_numpy(np.int64),
        eligible=rng.random(n_items) < 0.9,
    )


@pytest.mark.parametrize("allow_bought", [False, True])
def test_blocks_do_not_change_the_lists(allow_bought: bool) -> None:
    """Memory is bounded by the block size; the lists must not depend on it (people are never
    split across blocks, and each block keeps exactly its people's top N)."""
    arrays = random_arrays(7)
    whole = top_n_item_cf(arrays, 60, 10, allow_bought, max_block_contributions=10**9)
    tiny = top_n_item_cf(arrays, 60, 10, allow_bought, max_block_contributions=500)
    assert len(whole) > 1000
    pd.testing.assert_frame_equal(whole, tiny)


def test_brute_force_agrees() -> None:
    """Every score, rank and because_of item equals a direct computation from the definition."""
    arrays = random_arrays(11, people=60, n_items=30)
    got = top_n_item_cf(arrays, 30, 5, False, max_block_contributions=200)
    links: dict[int, list[tuple[int, float]]] = {}
    for i, j, s in zip(arrays.link_item, arrays.link_neighbor, arrays.link_similarity, strict=True):
        links.setdefault(int(i), []).append((int(j), float(s)))
    bought = set(zip(arrays.bought_user.tolist(), arrays.bought_item.tolist(), strict=True))
    expected = []
    for user in sorted(set(arrays.history_user.tolist())):
        scores: dict[int, int] = {}
        best: dict[int, tuple[float, int]] = {}
        for u, k, w in zip(arrays.history_user, arrays.history_item, arrays.history_weight, strict=True):
            if u != user:
                continue
            for j, s in links.get(int(k), []):
                if not arrays.eligible[j] or (user, j) in bought:
                    continue
                c = float(w) * s
                scores[j] = scores.get(j, 0) + int(fixed_point(np.array([c]))[0])
                best[j] = max(best.get(j, (-1.0, -1)), (c, int(k)))
        ranked = sorted(scores, key=lambda j: (-scores[j], j))[:5]
        expected += [(user, j, scores[j] / 1e12, best[j][1], r + 1) for r, j in enumerate(ranked)]
    assert list(got.itertuples(index=False, name=None)) == expected


def test_fixed_point_rounds_half_away_from_zero() -> None:
    assert fixed_point(np.array([0.5e-12, 2.5e-12, -2.5e-12, 1.25])).tolist() == [1, 3, -3, 1_250_000_000_000]


@pytest.mark.parametrize("max_cells", [1, 7, 4_000_000])
def test_candidates_are_each_rows_top_n_and_its_near_ties(max_cells: int) -> None:
    # rows of random length (empty ones too) with repeated values, near-ties and values <= 0,
    # checked against a sort of each row; max_cells 1 and 7 lay the rows out a few at a time
    rng = np.random.default_rng(7)
    counts = rng.integers(0, 25, size=60)
    counts[::9] = 0
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    values = rng.choice([-1.0, 0.0, 0.5, 1.0, 2.0, 2.0 + 1e-12, 3.0], size=int(indptr[-1]))
    for top_n in (1, 3, 10, 30):
        expected = []
        for row in range(len(counts)):
            entries = values[indptr[row] : indptr[row + 1]]
            positive = np.sort(entries[entries > 0])[::-1]
            last = positive[top_n - 1] if len(positive) >= top_n else -np.inf
            threshold = last - 1e-9 * max(1.0, abs(last))
            expected.extend(int(indptr[row]) + np.flatnonzero((entries > 0) & (entries >= threshold)))
            assert row_thresholds(indptr, values, top_n, max_cells)[row] == last
        assert top_by_float(indptr, values, top_n).tolist() == expected


def test_block_bounds_keep_people_whole() -> None:
    assert block_bounds(np.array([10, 20, 3, 3, 3]), 12) == [(0, 1), (1, 2), (2, 5)]
    assert block_bounds(np.zeros(0, dtype=np.int64), 12) == []


def test_config_is_validated() -> None:
    params = {
        "top_n": "10",
        "history_items": "30",
        "serve_bought": "False",
        "max_block_contributions": 4000000,
    }
    assert config_from_params(params) == CfListsConfig(10, 30, False, 4_000_000)
    with pytest.raises(ValueError, match="top_n"):
        config_from_params({**params, "top_n": "0"})
    with pytest.raises(ValueError, match="serve_bought"):
        config_from_params({**params, "serve_bought": "maybe"})
