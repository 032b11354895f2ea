"""Item-CF recommendations: hand-computed similarities, degenerate catalogs, serving rules,
backtest metrics recomputed, item-CF beats popularity on the demo data."""

from __future__ import annotations

import math
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from conftest import MODELS_ONLY, PROJECT_DIR, DbtRunner
from customer_intel.ml import recommend
from customer_intel.ml.recommend import (
    CONFIG_KEYS,
    NeighborConfig,
    RecommendationInputError,
    config_from_params,
    item_neighbors_from_relations,
    item_neighbors_table,
    merchandise_interactions,
)


def interactions(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """A user_item_interactions frame from (user, item, weight) triples."""
    return pd.DataFrame(rows, columns=["user_key", "item_id", "interaction_weight"])


# users x items:   a    b    c    d
#   u1             1    2    0    0
#   u2             2    1    0    1
#   u3             1    1    3    0
#   u4             0    0    1    2
TINY = interactions(
    [("u1", "a", 1), ("u1", "b", 2), ("u2", "a", 2), ("u2", "b", 1), ("u2", "d", 1),
     ("u3", "a", 1), ("u3", "b", 1), ("u3", "c", 3), ("u4", "c", 1), ("u4", "d", 2),
     ("u4", "a", 0)]  # weight 0 (e.g. a refunded purchase) carries no signal
)  # fmt: skip


def as_dict(table: pd.DataFrame) -> dict[tuple[str, str], tuple[float, int, int]]:
    """(item, neighbour) -> (similarity, co_users, rank)."""
    return {
        (r.item_id, r.neighbor_item_id): (r.similarity, r.co_users, r.neighbor_rank)
        for r in table.itertuples()
    }


def test_cosine_by_hand() -> None:
    got = as_dict(item_neighbors_table(TINY, NeighborConfig(min_co_users=1, shrinkage=0)))
    # a = (1,2,1,0), b = (2,1,1,0), c = (0,0,3,1), d = (0,1,0,2)
    # a.b = 2+2+1 = 5, |a| = |b| = sqrt(6): 5/6; a.c = 3: 3/(sqrt6 sqrt10); a.d = 2: 2/(sqrt6 sqrt5)
    # b.c = 3: 3/(sqrt6 sqrt10); b.d = 1: 1/(sqrt6 sqrt5); c.d = 2: 2/(sqrt10 sqrt5)
    ab, ac, ad = 5 / 6, 3 / math.sqrt(60), 2 / math.sqrt(30)
    bc, bd, cd = 3 / math.sqrt(60), 1 / math.sqrt(30), 2 / math.sqrt(50)
    # 3/sqrt60 = 0.387 > 2/sqrt30 = 0.365 > 2/sqrt50 = 0.283 > 1/sqrt30 = 0.183
    expected = {
        ("a", "b"): (ab, 3, 1), ("a", "c"): (ac, 1, 2), ("a", "d"): (ad, 1, 3),
        ("b", "a"): (ab, 3, 1), ("b", "c"): (bc, 1, 2), ("b", "d"): (bd, 1, 3),
        ("c", "a"): (ac, 1, 1), ("c", "b"): (bc, 1, 2), ("c", "d"): (cd, 1, 3),
        ("d", "a"): (ad, 1, 1), ("d", "c"): (cd, 1, 2), ("d", "b"): (bd, 1, 3),
    }  # fmt: skip
    assert got.keys() == expected.keys()
    for pair, (similarity, co_users, rank) in expected.items():
        assert got[pair][0] == pytest.approx(similarity, abs=1e-12), pair
        assert got[pair][1:] == (co_users, rank), pair


def test_support_filter_shrinkage_jaccard_and_k() -> None:
    # only a-b has 3 co-users; shrinkage 3: 5/6 * 3 / (3 + 3)
    got = as_dict(item_neighbors_table(TINY, NeighborConfig(min_co_users=2, shrinkage=3)))
    assert got.keys() == {("a", "b"), ("b", "a")}
    assert got[("a", "b")][0] == pytest.approx(5 / 6 * 0.5, abs=1e-12)
    # jaccard on who interacted: a = {u1,u2,u3}, d = {u2,u4}: 1 / 4; c = {u3,u4}, d: 1 / 3
    jac = as_dict(
        item_neighbors_table(TINY, NeighborConfig(similarity="jaccard", min_co_users=1, shrinkage=0))
    )
    assert jac[("a", "d")][0] == pytest.approx(1 / 4)
    assert jac[("c", "d")][0] == pytest.approx(1 / 3)
    assert jac[("a", "b")][0] == pytest.approx(1.0)
    top1 = item_neighbors_table(TINY, NeighborConfig(min_co_users=1, shrinkage=0, k=1))
    assert top1.groupby("item_id").size().eq(1).all()
    # ties on similarity break by neighbour id: c's neighbours a and b tie (3/sqrt60), a ranks first
    c_rows = item_neighbors_table(TINY, NeighborConfig(min_co_users=1, shrinkage=0, k=3)).query(
        "item_id == 'c'"
    )
    assert list(c_rows["neighbor_item_id"]) == ["a", "b", "d"]


def test_blocks_and_row_order_do_not_change_the_result() -> None:
    rng = np.random.default_rng(5)
    frame = interactions(
        [
            (f"u{u}", f"i{i:03d}", float(rng.integers(1, 5)))
            for u in range(300)
            for i in rng.choice(120, 8, replace=False)
        ]
    )
    whole = item_neighbors_table(frame, NeighborConfig(k=10))
    blocked = item_neighbors_table(
        frame.sample(frac=1.0, random_state=1), NeighborConfig(k=10, block_items=7)
    )
    pd.testing.assert_frame_equal(whole, blocked)
    assert len(whole) > 0 and whole["neighbor_rank"].max() == 10


def brute_force_neighbors(frame: pd.DataFrame, cfg: NeighborConfig) -> list[tuple]:
    """Every pair computed directly (users in sorted order, as the sparse products add them),
    ranked by similarity desc then neighbour id, cut to k: (item, neighbour, sim, co, rank)."""
    weights: dict[str, dict[str, float]] = {}
    for user, item, weight in sorted(frame.itertuples(index=False)):
        if weight > 0:
            weights.setdefault(item, {})[user] = weights.get(item, {}).get(user, 0.0) + weight
    items = sorted(weights)
    out = []
    for item in items:
        scored = []
        for other in items:
            common = sorted(weights[item].keys() & weights[other].keys())
            if other == item or len(common) < cfg.min_co_users:
                continue
            co = float(len(common))
            if cfg.similarity == "cosine":
                dot = 0.0
                for user in common:
                    dot += weights[item][user] * weights[other][user]
                norm_i = math.sqrt(sum(w * w for w in weights[item].values()))
                norm_j = math.sqrt(sum(w * w for w in weights[other].values()))
                raw = dot / (norm_i * norm_j)
            else:
                raw = co / (len(weights[item]) + len(weights[other]) - co)
            similarity = min(raw, 1.0) * co / (co + cfg.shrinkage)
            if similarity > 0:
                scored.append((-similarity, other, int(co)))
        for rank, (neg, other, co) in enumerate(sorted(scored)[: cfg.k], start=1):
            out.append((item, other, -neg, co, rank))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_top_k_equals_a_brute_force_computation(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(seed)
    n_users, n_items = int(rng.integers(5, 40)), int(rng.integers(2, 30))
    # small integer weights: sums and norms are exact, so similarities tie exactly and often
    frame = interactions(
        [
            (f"u{u:02d}", f"i{i:02d}", float(rng.integers(0, 3)))
            for u in range(n_users)
            for i in rng.choice(n_items, int(rng.integers(1, n_items + 1)), replace=False)
        ]
    )
    # tiny dense chunks: rows of one block go through the top-K pass in several pieces
    monkeypatch.setattr(recommend, "TOP_K_CELLS", int(rng.integers(1, 3 * n_items)))
    monkeypatch.setattr(recommend, "HELD_ENTRIES", int(rng.integers(0, 2)) * 10**6)
    for similarity in ("cosine", "jaccard"):
        for k, min_co, shrink, block in ((3, 1, 0.0, 4), (1, 2, 10.0, 100), (50, 1, 2.5, 1)):
            cfg = NeighborConfig(similarity, k=k, min_co_users=min_co, shrinkage=shrink, block_items=block)
            got = item_neighbors_table(frame, cfg)
            assert list(got.itertuples(index=False, name=None)) == brute_force_neighbors(frame, cfg)


def test_relations_pull_coded_merchandise_rows_and_give_the_frame_result() -> None:
    rng = np.random.default_rng(11)
    # 64-character keys like user_key, zero weights, and two non-merchandise items
    frame = interactions(
        [
            (f"{u:064x}", f"i{i:03d}", float(rng.choice([0.0, 0.5, 1.0, 3.25])))
            for u in range(400)
            for i in rng.choice(90, 7, replace=False)
        ]
    )
    catalog = pd.DataFrame({"item_id": [f"i{i:03d}" for i in range(90)]}).assign(
        is_merchandise=lambda c: ~c["item_id"].isin(["i004", "i017"])
    )
    con = duckdb.connect()
    try:
        relation, popularity = con.from_df(frame.assign(as_of_date="x")), con.from_df(catalog)
        pulled = merchandise_interactions(relation, popularity)
        assert pulled.columns == ["user_key", "item_id", "interaction_weight"]
        assert pulled.filter("interaction_weight = 0 or item_id in ('i004', 'i017')").fetchall() == []
        got = item_neighbors_from_relations(relation, popularity, NeighborConfig(k=10, block_items=13))
        with pytest.raises(RecommendationInputError, match="finite"):
            bad = con.from_df(
                frame.assign(interaction_weight=frame["interaction_weight"].where(frame.index != 5))
            )
            item_neighbors_from_relations(bad, popularity, NeighborConfig())
    finally:
        con.close()
    expected = item_neighbors_table(frame, NeighborConfig(k=10), ["i004", "i017"])
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert len(got) > 0 and not got["item_id"].isin(["i004", "i017"]).any()


@pytest.mark.parametrize(
    "rows",
    [
        [("u1", "a", 1.0), ("u2", "a", 2.0)],  # a single item
        [("u1", "a", 1.0), ("u2", "b", 2.0), ("u3", "c", 1.0)],  # no co-occurring pair
        [("u1", "a", 1.0)],  # one user, one interaction
        [],  # nothing at all
    ],
)
def test_degenerate_catalogs_give_an_empty_typed_table(rows: list[tuple[str, str, float]]) -> None:
    table = item_neighbors_table(interactions(rows), NeighborConfig())
    assert table.empty
    assert list(table.columns) == ["item_id", "neighbor_item_id", "similarity", "co_users", "neighbor_rank"]
    assert str(table["similarity"].dtype) == "float64"


def test_bad_config_and_input() -> None:
    with pytest.raises(RecommendationInputError, match="one of"):
        config_from_params({"similarity": "pearson"})
    with pytest.raises(RecommendationInputError, match="k >= 1"):
        config_from_params({"k": "0"})
    assert config_from_params({"similarity": "Jaccard", "k": "5", "shrinkage": ""}) == NeighborConfig(
        similarity="jaccard", k=5
    )
    with pytest.raises(RecommendationInputError, match=">= 0"):
        item_neighbors_table(interactions([("u1", "a", -1.0)]), NeighborConfig())


@pytest.mark.parametrize("model", ["item_neighbors", "item_neighbors_backtest"])
def test_python_models_read_every_config_key_literally(model: str) -> None:
    code = (PROJECT_DIR / "python_models" / f"{model}.py").read_text()
    assert set(re.findall(r'dbt\.config\.get\("(\w+)"\)', code)) == set(CONFIG_KEYS)


def frame(runner: DbtRunner, sql: str) -> pd.DataFrame:
    """A query on the build file as a frame."""
    con = duckdb.connect(str(runner.db_path), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


@pytest.mark.dbt
def test_every_model_beats_every_popularity_baseline(shared_build: tuple[DbtRunner, Path]) -> None:
    # the demo shop's tastes are stable: item-CF, the factorization and the hybrid must each win
    # there against every window
    runner, _ = shared_build
    metrics = frame(runner, "select * from marts.recommendation_evaluation").set_index(
        ["evaluation_mode", "model_name"]
    )
    default = metrics.loc["exclude_bought"]
    baselines = default[default["model_kind"] == "baseline"]
    assert set(baselines.index) == {
        "popularity_7d", "popularity_30d", "popularity_90d", "popularity_lookback", "popularity_decayed"
    }  # fmt: skip
    models = default[default["model_kind"] == "model"]
    assert set(models.index) == {"item_cf", "factorization", "hybrid"}
    for name, model in models.iterrows():
        assert (baselines["users_evaluated"] == model["users_evaluated"]).all(), name
        assert model["users_evaluated"] > 300
        assert (model["hit_rate"] > baselines["hit_rate"]).all(), (name, default)
        assert (model["ndcg_at_n"] > baselines["ndcg_at_n"]).all(), (name, default)


@pytest.mark.dbt
def test_backtest_metrics_match_their_definitions(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = shared_build
    lists = frame(runner, "select * from intermediate.int_recommendation_backtest_lists")
    relevant = frame(runner, "select * from intermediate.int_recommendation_backtest_relevant")
    metrics = frame(runner, "select * from marts.recommendation_evaluation")
    n = int(metrics["top_n"].iloc[0])
    catalog = frame(runner, "select count(*) as c from intermediate.int_recommendation_backtest_popularity "
                            "where is_known_item")["c"].iloc[0]  # fmt: skip
    for row in metrics.itertuples():
        rel = relevant[relevant["evaluation_mode"] == row.evaluation_mode]
        recs = lists[
            (lists["evaluation_mode"] == row.evaluation_mode) & (lists["model_name"] == row.model_name)
        ]
        rel_sets = rel.groupby("user_key")["item_id"].apply(set)
        precision, recall, ndcg, hit = [], [], [], []
        for user, items in rel_sets.items():
            ranked = recs[recs["user_key"] == user].sort_values("rank")
            gains = [
                1 / math.log2(r + 1)
                for r, i in zip(ranked["rank"], ranked["item_id"], strict=True)
                if i in items
            ]
            ideal = sum(1 / math.log2(r + 1) for r in range(1, min(len(items), n) + 1))
            precision.append(len(gains) / n)
            recall.append(len(gains) / len(items))
            ndcg.append(sum(gains) / ideal)
            hit.append(len(gains) > 0)
        assert row.users_evaluated == len(rel_sets)
        assert row.precision_at_n == pytest.approx(np.mean(precision), abs=1e-12)
        assert row.recall_at_n == pytest.approx(np.mean(recall), abs=1e-12)
        assert row.ndcg_at_n == pytest.approx(np.mean(ndcg), abs=1e-12)
        assert row.hit_rate == pytest.approx(np.mean(hit), abs=1e-12)
        covered = recs[recs["user_key"].isin(rel_sets.index)]["item_id"].nunique()
        assert row.catalog_coverage == pytest.approx(covered / catalog, abs=1e-12)


@pytest.mark.dbt
def test_served_lists_follow_the_rules(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = shared_build
    repeated = runner.query(
        """
        select count(*)
        from marts.user_recommendations as r
        inner join marts.clean_events as e
            on r.user_key = e.user_key and r.item_id = e.item_id and e.event_type = 'purchase'
        """
    )
    assert repeated == [(0,)]
    sizes = runner.query("select min(n), max(n), count(*) from (select count(*) as n from "
                         "marts.user_recommendations group by user_key)")  # fmt: skip
    people = runner.query("select count(*) from marts.user_features")[0][0]
    assert sizes == [(10, 10, people)]
    # ranks follow the documented order: the model's items by score, then fill; explanations
    # point to the history
    bad_order = runner.query(
        """
        select count(*) from (
            select source, score, lag(score) over (partition by user_key order by rank) as previous,
                lag(source) over (partition by user_key order by rank) as previous_source
            from marts.user_recommendations
        ) where (source = served_model and previous_source = served_model and score > previous)
            or (source = served_model and previous_source != served_model)
        """.replace("served_model", "(select any_value(served_model) from marts.user_recommendations)")
    )
    assert bad_order == [(0,)]
    orphan_because = runner.query(
        """
        select count(*) from marts.user_recommendations as r
        anti join marts.user_item_interactions as i
            on r.user_key = i.user_key and r.because_of_item_id = i.item_id
        where r.because_of_item_id is not null
        """
    )
    assert orphan_because == [(0,)]


@pytest.mark.dbt
def test_frequently_bought_together_recomputed(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = shared_build
    lines = frame(
        runner,
        """
        select distinct order_id, item_id from marts.clean_events
        where event_type = 'purchase' and order_id is not null and item_id is not null
            and event_date > (select max(event_date) from marts.clean_events) - 365
        """,
    )
    sizes = lines.groupby("order_id")["item_id"].transform("size")
    counted = lines[sizes <= 20]
    orders = counted["order_id"].nunique()
    per_item = counted.groupby("item_id").size()
    pairs = counted.merge(counted, on="order_id").query("item_id_x < item_id_y")
    pair_counts = pairs.groupby(["item_id_x", "item_id_y"]).size()
    pair_counts = pair_counts[pair_counts >= 2]
    table = frame(runner, "select * from marts.frequently_bought_together").set_index(["item_a", "item_b"])
    assert len(table) == len(pair_counts) > 50
    for (a, b), count in pair_counts.items():
        row = table.loc[(a, b)]
        assert row["pair_orders"] == count
        assert row["support"] == pytest.approx(count / orders)
        assert row["confidence_a_to_b"] == pytest.approx(count / per_item[a])
        assert row["confidence_b_to_a"] == pytest.approx(count / per_item[b])
        assert row["lift"] == pytest.approx(count * orders / (per_item[a] * per_item[b]))


@pytest.mark.dbt
def test_single_item_catalog_still_builds_everything(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "items.csv").write_text(
        "item_id,item_name,category,brand,list_price\nonly,The item,misc,Acme,10\n"
    )
    users = ["user_id,signed_up_at,email,phone,city,birth_year,acquisition_channel"]
    events = ["event_id,user_id,event_type,item_id,order_id,quantity,unit_price,event_at,channel"]
    for u in range(8):
        users.append(f"p{u},2026-01-0{u % 9 + 1} 10:00:00,,,Lyon,1990,organic")
        for k in range(1 + u % 3):
            day = 1 + 20 * k + u
            events.append(f"e{u}v{k},p{u},view,only,,1,,2026-0{1 + k}-{day % 28 + 1:02d} 09:00:00,app")
            events.append(
                f"e{u}p{k},p{u},purchase,only,o{u}{k},1,10,2026-0{1 + k}-{day % 28 + 1:02d} 09:05:00,app"
            )
    (raw / "users.csv").write_text("\n".join(users) + "\n")
    (raw / "events.csv").write_text("\n".join(events) + "\n")
    runner = DbtRunner(tmp_path)
    result = runner.run("build", dbt_vars={"raw_data_path": str(raw)})
    assert result.returncode == 0, result.output[-4000:]
    assert runner.query("select count(*) from marts.item_neighbors") == [(0,)]
    assert runner.query("select count(*) from marts.similar_items") == [(0,)]
    assert runner.query("select count(*) from marts.rfm_scores")[0][0] == 8
    # three months of history: no one to train churn on at as_of - 90 days, so no placeholder
    # scores either, and model_status says why
    assert runner.query("select count(*) from marts.churn_scores") == [(0,)]
    churn_status = "select model_status from marts.model_status where model_family = 'churn'"
    assert runner.query(churn_status) == [("no_training_rows",)]
    # everyone bought the only item: nothing is left to recommend, and nothing is made up
    assert runner.query("select count(*) from marts.user_recommendations") == [(0,)]
    evaluation = runner.query("select count(*) from marts.recommendation_evaluation")
    assert evaluation[0][0] in (0, 8, 16)  # 8 candidates in each mode with people to evaluate
    allowed = DbtRunner(tmp_path / "allowed")
    dbt_vars = {"raw_data_path": str(raw), "recommend_already_bought": True}
    built = allowed.run("build", "--select", "+user_recommendations", *MODELS_ONLY, dbt_vars=dbt_vars)
    assert built.returncode == 0, built.output[-3000:]
    sources = allowed.query("select distinct source from marts.user_recommendations order by 1")
    assert sources and {s for (s,) in sources} <= {
        "item_cf", "factorization", "hybrid", "popular", "popular_in_category"
    }  # fmt: skip


@pytest.mark.dbt
def test_the_champion_is_the_best_hit_rate_and_serves(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = shared_build
    rows = runner.query(
        "select evaluation_mode, model_name, hit_rate, candidate_order, is_champion "
        "from marts.recommendation_evaluation"
    )
    champions = [(mode, name) for mode, name, *_, flag in rows if flag]
    serving = [(name, hit, order) for mode, name, hit, order, _ in rows if mode == "exclude_bought"]
    best = max(hit for _, hit, _ in serving)
    assert champions == [("exclude_bought", min((o, n) for n, h, o in serving if h >= best)[1])]
    # on the demo shop (stable tastes) a model wins, and user_recommendations says it serves
    assert champions[0][1] in ("item_cf", "factorization", "hybrid")
    served = runner.query("select distinct served_model, source from marts.user_recommendations")
    assert {model for model, _ in served} == {champions[0][1]}
    assert champions[0][1] in {source for _, source in served}


@pytest.mark.dbt
def test_recommendation_check_on_the_days_after_as_of(
    shared_build: tuple[DbtRunner, Path], tmp_path: Path
) -> None:
    """devtools.recommendation_check on the demo data built 30 days before its end: every list
    is judged on the same people, and served lists from a baseline score as that baseline."""
    from customer_intel.devtools.recommendation_check import check

    _, raw = shared_build
    runner = DbtRunner(tmp_path)
    dbt_vars = {"raw_data_path": str(raw), "as_of_date": "2026-05-31"}
    result = runner.run(
        "build", "--select", "+user_recommendations", "+clean_events", *MODELS_ONLY, dbt_vars=dbt_vars
    )
    assert result.returncode == 0, result.output[-4000:]
    rows = check(runner.db_path, days=30)
    assert [name for name, _, _ in rows][1:] == [
        "popularity_lookback", "popularity_90d", "popularity_30d", "popularity_7d", "popularity_decayed",
        "item_cf", "factorization", "hybrid",
    ]  # fmt: skip
    people = {count for _, count, _ in rows}
    assert len(people) == 1 and people.pop() > 100
    assert all(0 <= rate <= 1 for _, _, rate in rows)
    served_name, _, served_rate = rows[0]
    served_model = served_name.removeprefix("served (").removesuffix(")")
    # served lists score as the candidate that serves (a baseline's lists only when every
    # person has N of its items, as on the demo data)
    assert served_rate == dict((name, rate) for name, _, rate in rows)[served_model]


@pytest.mark.dbt
def test_hybrid_lists_are_the_rank_fusion_of_their_inputs(shared_build: tuple[DbtRunner, Path]) -> None:
    """The backtest's exclude_bought hybrid lists recomputed in pandas: item-CF and factorization
    lists of int_recommendation_lists, the trending baseline at the cutoff (the popularity baseline
    with the best backtest hit rate, the simplest among ties) without the person's bought items,
    fused by sum of 1 / (60 + rank), ties by best rank then item id."""
    runner, _ = shared_build
    n = int(frame(runner, "select max(top_n) as n from marts.recommendation_evaluation")["n"].iloc[0])
    lists = frame(
        runner,
        "select user_key, item_id, rank from intermediate.int_recommendation_lists "
        "where snapshot_role = 'recommendation_backtest' and evaluation_mode = 'exclude_bought' "
        "and model_name in ('item_cf', 'factorization')",
    )
    baselines = frame(
        runner,
        "select model_name, hit_rate from marts.recommendation_evaluation "
        "where evaluation_mode = 'exclude_bought' and model_kind = 'baseline' order by candidate_order",
    )
    chosen = baselines.loc[baselines["hit_rate"].idxmax()]  # the first of the best: the simplest
    choice = frame(
        runner,
        "select model_name, hit_rate from intermediate.int_recommendation_trending_choice "
        "where evaluation_mode = 'exclude_bought'",
    )
    assert choice["model_name"].tolist() == [chosen["model_name"]]
    assert choice["hit_rate"].iloc[0] == chosen["hit_rate"]
    column = {
        "popularity_lookback": "buyers", "popularity_90d": "buyers_90d", "popularity_30d": "buyers_30d",
        "popularity_7d": "buyers_7d", "popularity_decayed": "decayed_buyers",
    }[chosen["model_name"]]  # fmt: skip
    popularity = frame(
        runner,
        f"select item_id, cast({column} as double) as trend, popularity_rank "
        "from intermediate.int_recommendation_backtest_popularity "
        "where is_known_item and is_merchandise and buyers > 0",
    ).sort_values(["trend", "popularity_rank"], ascending=[False, True])
    ranked_items = popularity["item_id"].tolist()
    bought = (
        frame(
            runner,
            """
        select p.user_key, i.item_id
        from intermediate.int_recommendation_person_items as i
        inner join intermediate.int_recommendation_people as p
            on i.snapshot_role = p.snapshot_role and i.user_index = p.user_index
        where i.snapshot_role = 'recommendation_backtest' and i.is_bought
        """,
        )
        .groupby("user_key")["item_id"]
        .apply(set)
    )
    people = frame(
        runner,
        "select user_key from intermediate.int_recommendation_people "
        "where snapshot_role = 'recommendation_backtest'",
    )["user_key"]
    trending = [
        (user, item, rank)
        for user in people
        for rank, item in enumerate(
            [i for i in ranked_items if i not in bought.get(user, set())][:n], start=1
        )
    ]
    inputs = pd.concat(
        [lists, pd.DataFrame(trending, columns=["user_key", "item_id", "rank"])], ignore_index=True
    )
    # exact fused scores: integers in units of 1 / lcm(61 .. 60 + N), so ties are exact ties
    unit = math.lcm(*range(61, 61 + n))
    inputs["part"] = [unit // (60 + int(rank)) for rank in inputs["rank"]]
    fused = (
        inputs.groupby(["user_key", "item_id"]).agg(exact=("part", "sum"), best=("rank", "min")).reset_index()
    )
    fused = fused.sort_values(["user_key", "exact", "best", "item_id"], ascending=[True, False, True, True])
    fused["rank"] = fused.groupby("user_key").cumcount() + 1
    fused["score"] = [float(value) / unit for value in fused["exact"]]
    expected = fused[fused["rank"] <= n]
    hybrid = frame(
        runner,
        "select user_key, item_id, rank, score from intermediate.int_recommendation_hybrid_lists "
        "where snapshot_role = 'recommendation_backtest' and evaluation_mode = 'exclude_bought'",
    ).sort_values(["user_key", "rank"])
    assert len(hybrid) == len(expected) > 1000
    merged = hybrid.merge(expected, on=["user_key", "rank"], suffixes=("", "_expected"))
    assert len(merged) == len(hybrid)
    assert (merged["item_id"] == merged["item_id_expected"]).all()
    assert np.allclose(merged["score"], merged["score_expected"], rtol=0, atol=1e-15)
