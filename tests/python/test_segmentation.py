"""K-means segmentation: package units, degenerate inputs, SQL scoring == scikit-learn predict."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from conftest import PROJECT_DIR, DbtRunner
from customer_intel.devtools.report import archetype_segment_ari
from customer_intel.ml.segmentation import (
    CONFIG_KEYS,
    SegmentationConfig,
    SegmentationInputError,
    assign,
    canonical_order,
    choose_k,
    config_from_params,
    evaluate_k_range,
    feature_matrix,
    features_frame,
    fit_kmeans,
    fit_scaling,
    segment_model_table,
    training_rows,
)
from customer_intel.ops.pii import DEMO_SECRET

FEATURES = ("a", "b")


def blobs(n_per: int = 30, seed: int = 0) -> pd.DataFrame:
    """Three well-separated 2-D blobs with user keys."""
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    x = np.vstack([c + rng.normal(0, 0.5, (n_per, 2)) for c in centers])
    return pd.DataFrame({"user_key": [f"u{i:04d}" for i in range(len(x))], "a": x[:, 0], "b": x[:, 1]})


def test_rule_finds_three_blobs_and_flags_one_k() -> None:
    table = evaluate_k_range(blobs(), SegmentationConfig(features=FEATURES, k_max=6))
    assert list(table["k"]) == [2, 3, 4, 5, 6]
    assert table.loc[table["is_chosen"], "k"].tolist() == [3]


def test_choose_k_mean_rank_ties_to_smaller_k() -> None:
    table = pd.DataFrame(
        {"k": [2, 3, 4], "silhouette": [0.5, 0.6, 0.4], "calinski_harabasz": [10.0, 9.0, 11.0],
         "davies_bouldin": [1.0, 0.9, 0.8]}
    )  # fmt: skip
    # mean ranks: k2 (2+2+3)/3, k3 (1+3+2)/3, k4 (3+1+1)/3 -> k4 best
    assert choose_k(table) == 4
    assert choose_k(table.assign(davies_bouldin=[0.8, 0.9, 1.0])) == 2  # k2 and k3 tie -> 2


def test_forced_k_and_impossible_forced_k() -> None:
    cfg = SegmentationConfig(features=FEATURES, k_max=5, forced_k=5)
    assert evaluate_k_range(blobs(), cfg).loc[lambda t: t["is_chosen"], "k"].tolist() == [5]
    with pytest.raises(SegmentationInputError, match="segment_k=40"):
        evaluate_k_range(blobs(n_per=5), SegmentationConfig(features=FEATURES, k_max=5, forced_k=40))


def test_fewer_users_than_k_falls_back() -> None:
    tiny = blobs().head(4)
    table = evaluate_k_range(tiny, SegmentationConfig(features=FEATURES, k_max=10))
    assert list(table["k"]) == [2, 3]  # k <= n - 1
    single = evaluate_k_range(tiny.head(2), SegmentationConfig(features=FEATURES))
    assert list(single["k"]) == [1] and bool(single["is_chosen"].iloc[0])
    model = segment_model_table(tiny.head(2), single, SegmentationConfig(features=FEATURES))
    assert set(model["segment_id"]) == {0} and (model["centroid_standardized"] == 0).all()


def test_constant_feature_and_nulls() -> None:
    frame = blobs().assign(c=1.0)
    scaling = fit_scaling(feature_matrix(frame, ("a", "c")))
    assert scaling.std[1] == 1.0  # constant feature: std 1, contributes nothing
    with pytest.raises(SegmentationInputError, match=r"NULL or non-finite values: \['a'\]"):
        feature_matrix(frame.assign(a=np.where(frame.index == 3, np.nan, frame["a"])), ("a", "c"))
    with pytest.raises(SegmentationInputError, match="not in the input"):
        feature_matrix(frame, ("a", "missing"))
    empty = evaluate_k_range(frame.head(0), SegmentationConfig(features=FEATURES))
    assert empty.empty and list(empty.columns)[-2:] == ["is_chosen", "training_rows"]
    model = segment_model_table(frame.head(0), empty, SegmentationConfig(features=FEATURES))
    assert model.empty and "centroid_original" in model.columns


def test_same_input_same_model_and_row_order_does_not_matter() -> None:
    cfg = SegmentationConfig(features=FEATURES, k_max=4)
    frame = blobs()
    first = segment_model_table(frame, evaluate_k_range(frame, cfg), cfg)
    shuffled = frame.sample(frac=1.0, random_state=3)
    second = segment_model_table(shuffled, evaluate_k_range(shuffled, cfg), cfg)
    pd.testing.assert_frame_equal(first, second)


def test_canonical_order_and_assignment_match_sklearn() -> None:
    frame = blobs()
    cfg = SegmentationConfig(features=FEATURES)
    x = feature_matrix(frame, FEATURES)
    z = fit_scaling(x).transform(x)
    km = fit_kmeans(z, 3, cfg)
    order = canonical_order(km.cluster_centers_)
    inverse = np.argsort(order)
    assert (assign(z, km.cluster_centers_[order]) == inverse[km.predict(z)]).all()


def test_k_is_chosen_on_a_seeded_sample_above_the_selection_cap() -> None:
    frame = blobs(n_per=40)  # 120 people
    cfg = SegmentationConfig(features=FEATURES, k_max=5)
    below = evaluate_k_range(frame, cfg)  # cap 20,000: everyone
    pd.testing.assert_frame_equal(
        below, evaluate_k_range(frame, SegmentationConfig(features=FEATURES, k_max=5, selection_max_rows=120))
    )
    assert below["training_rows"].unique().tolist() == [120]
    capped_cfg = SegmentationConfig(features=FEATURES, k_max=5, selection_max_rows=50)
    capped = evaluate_k_range(frame.sample(frac=1.0, random_state=2), capped_cfg)
    assert capped["training_rows"].unique().tolist() == [50]
    # the sample is training_rows of the people sorted by user_key: same seed, same rows
    sample = training_rows(feature_matrix(frame, FEATURES), 50, cfg.random_state)
    explicit = pd.DataFrame(sample, columns=list(FEATURES)).assign(user_key=[f"s{i:03d}" for i in range(50)])
    pd.testing.assert_frame_equal(capped, evaluate_k_range(explicit, cfg))
    # never above the training cap
    assert (
        evaluate_k_range(frame, SegmentationConfig(features=FEATURES, k_max=5, max_training_rows=30))[
            "training_rows"
        ].tolist()[0]
        == 30
    )


def test_features_frame_pulls_only_the_key_and_the_features() -> None:
    con = duckdb.connect()
    try:
        relation = con.from_df(blobs().assign(extra="x" * 64, snapshot_date="2026-01-01"))
        frame = features_frame(relation, SegmentationConfig(features=("b", "a")))
        assert list(frame.columns) == ["user_key", "b", "a"]
        with pytest.raises(SegmentationInputError, match=r"not in the input: \['zz'\]"):
            feature_matrix(features_frame(relation, SegmentationConfig(features=("a", "zz"))), ("a", "zz"))
    finally:
        con.close()


def test_config_from_params_parses_yaml_strings() -> None:
    cfg = config_from_params(
        {"features": '["a", "b"]', "k_min": "3", "k_max": "7", "segment_k": "auto", "random_state": None}
    )
    assert cfg == SegmentationConfig(features=("a", "b"), k_min=3, k_max=7)
    assert config_from_params({"features": ["a"], "segment_k": "4"}).forced_k == 4
    with pytest.raises(SegmentationInputError):
        config_from_params({"features": []})


@pytest.mark.parametrize("model", ["segment_k_selection", "segment_model"])
def test_python_models_read_every_config_key_literally(model: str) -> None:
    # dbt passes a Python model only the config keys it finds in literal dbt.config.get calls
    code = (PROJECT_DIR / "python_models" / f"{model}.py").read_text()
    assert set(re.findall(r'dbt\.config\.get\("(\w+)"\)', code)) == set(CONFIG_KEYS)


@pytest.mark.dbt
def test_sql_assignment_equals_sklearn_predict_for_every_buyer(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = shared_build
    con_rows = runner.query("select * from intermediate.int_segmentation_features order by user_key")
    columns = [
        r[0]
        for r in runner.query(
            "select column_name from duckdb_columns() "
            "where table_name = 'int_segmentation_features' order by column_index"
        )
    ]
    frame = pd.DataFrame(con_rows, columns=columns)
    features = tuple(
        r[0]
        for r in runner.query(
            "select distinct feature_name, feature_order from marts.segment_model order by 2"
        )
    )
    k = runner.query("select k from marts.segment_k_selection where is_chosen")[0][0]
    cfg = SegmentationConfig(features=features)
    x = feature_matrix(frame, features)
    scaling = fit_scaling(x)
    km = fit_kmeans(scaling.transform(x), k, cfg)
    expected = np.argsort(canonical_order(km.cluster_centers_))[km.predict(scaling.transform(x))]
    sql = dict(runner.query("select user_key, segment_id from marts.user_segments"))
    got = np.array([sql[u] for u in frame.sort_values("user_key")["user_key"]])
    assert len(got) == len(frame) > 300
    assert (got == expected).all()


@pytest.mark.dbt
def test_segment_names_are_unique(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = shared_build
    names = runner.query("select segment_name from marts.segment_profiles")
    assert len({n for (n,) in names}) == len(names) >= 2


@pytest.mark.dbt
def test_planted_archetypes_are_recovered(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, raw = shared_build
    ari, people = archetype_segment_ari(runner.db_path, raw / "_truth" / "users.parquet", DEMO_SECRET)
    assert people > 2000
    assert ari >= 0.7, ari
