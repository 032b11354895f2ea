"""Churn model: package units, fallbacks, SQL scoring == scikit-learn, evaluation metrics, leakage."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score
from sklearn.tree import DecisionTreeClassifier

from conftest import MODELS_ONLY, PROJECT_DIR, DbtRunner, write_contract_copy
from customer_intel.devtools.demo_data.config import GeneratorConfig
from customer_intel.devtools.demo_data.generate import generate
from customer_intel.ml.churn import (
    CONFIG_KEYS,
    DATE_COLUMNS,
    FIT_ROLES,
    ChurnConfig,
    ChurnInputError,
    churn_model_table,
    config_from_params,
    fallback_intercept,
    fit_churn_model,
    training_data,
    training_frame,
)
from customer_intel.ml.churn_tree import TREE_CONFIG_KEYS, TreeConfig, churn_tree_table
from customer_intel.ml.relations import to_engine
from customer_intel.ml.segmentation import fit_scaling

FEATURES = ("a", "b", "c")
# churn_tree's configured features (python_models/_python_models__models.yml)
TREE_FEATURES = (
    "recency_days", "frequency", "monetary", "tenure_days", "active_days_30", "active_days_90",
    "refund_rate", "discount_rate", "view_to_purchase_rate",
)  # fmt: skip


def synthetic(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Labels drawn from a known logistic model: a raises churn, b lowers it, c is noise."""
    rng = np.random.default_rng(seed)
    a, b, c = rng.normal(0, 1, n), rng.normal(5, 2, n), rng.normal(0, 1, n)
    p = 1 / (1 + np.exp(-(0.3 + 1.5 * a - 0.8 * (b - 5) / 2)))
    return pd.DataFrame(
        {"user_key": [f"u{i:05d}" for i in range(n)], "a": a, "b": b, "c": c, "is_churned": rng.random(n) < p}
    ).assign(log1p_recency_days=lambda f: np.log1p(np.abs(f["a"])))  # what recency_only reads


def test_fit_recovers_planted_signs_and_matches_sklearn_probabilities() -> None:
    frame = synthetic()
    cfg = ChurnConfig(features=FEATURES)
    x, y = training_data(frame, cfg.features)
    fitted = fit_churn_model(x, y, cfg)
    assert fitted.status == "fitted"
    a, b, c = fitted.coefficients
    assert a > 1.0 and b < -0.5 and abs(c) < 0.15
    reference = LogisticRegression(C=1.0, max_iter=1000, random_state=42).fit(fit_scaling(x).transform(x), y)
    expected = reference.predict_proba(fit_scaling(x).transform(x))[:, 1]
    np.testing.assert_allclose(1 / (1 + np.exp(-fitted.linear_score(x))), expected, rtol=0, atol=1e-12)


def with_roles(train: pd.DataFrame, evaluation: pd.DataFrame) -> pd.DataFrame:
    """A training frame as int_churn_snapshots gives it: the `train` and `eval` snapshots."""
    return pd.concat(
        [
            train.assign(snapshot_role="train", snapshot_date=pd.Timestamp("2026-01-01")),
            evaluation.assign(snapshot_role="serving_train", snapshot_date=pd.Timestamp("2026-04-01")),
        ],
        ignore_index=True,
    )


def test_model_table_fits_each_role_on_its_own_snapshot() -> None:
    train, evaluation = synthetic(seed=0), synthetic(1500, seed=1)
    table = churn_model_table(with_roles(train, evaluation), ChurnConfig(features=FEATURES))
    key = ["fit_role", "model_name", "feature_order"]
    assert table[key].values.tolist() == sorted(table[key].values.tolist())
    fits = table.groupby(["fit_role", "model_name"]).first()
    # the backtest fit learns on `train` (as_of - 2H) and scores `eval`; serving learns on `eval`
    assert fits.loc[("backtest", "logistic_regression"), "training_rows"] == len(train)
    assert fits.loc[("serving", "logistic_regression"), "training_rows"] == len(evaluation)
    assert str(fits.loc[("backtest", "recency_only"), "training_snapshot_date"])[:10] == "2026-01-01"
    assert str(fits.loc[("serving", "recency_only"), "training_snapshot_date"])[:10] == "2026-04-01"
    roles = table[["fit_role", "training_snapshot_role", "scored_snapshot_role"]].drop_duplicates()
    assert {tuple(r) for r in roles.itertuples(index=False)} == {(r, *pair) for r, pair in FIT_ROLES.items()}
    serving = table[(table["fit_role"] == "serving") & (table["model_name"] == "logistic_regression")]
    x, y = training_data(evaluation, FEATURES)
    expected = fit_churn_model(x, y, ChurnConfig(features=FEATURES))
    np.testing.assert_array_equal(serving["coefficient"].to_numpy(), expected.coefficients)
    # the recency baseline: one feature, never class-weighted
    recency = table[table["model_name"] == "recency_only"]
    assert set(recency["feature_name"]) == {"log1p_recency_days"} and set(recency["class_weight"]) == {"none"}


def test_stacked_snapshots_train_together_and_the_latest_date_is_recorded() -> None:
    """With stacked training snapshots a person appears once per date; every row trains the
    fit, the training date is the latest snapshot and the count of dates is recorded."""
    first, second = synthetic(600, seed=4), synthetic(600, seed=5)
    frame = pd.concat(
        [
            first.assign(snapshot_role="train", snapshot_date=pd.Timestamp("2025-12-02")),
            second.assign(snapshot_role="train", snapshot_date=pd.Timestamp("2026-01-01")),
        ],
        ignore_index=True,
    )
    table = churn_model_table(frame, ChurnConfig(features=FEATURES))
    backtest = table[(table["fit_role"] == "backtest") & (table["model_name"] == "logistic_regression")]
    assert backtest["training_rows"].iloc[0] == 1200 and backtest["training_snapshots"].iloc[0] == 2
    assert str(backtest["training_snapshot_date"].iloc[0])[:10] == "2026-01-01"
    x, y = training_data(frame, FEATURES)
    assert len(y) == 1200
    expected = fit_churn_model(x, y, ChurnConfig(features=FEATURES)).coefficients
    np.testing.assert_array_equal(backtest["coefficient"].to_numpy(), expected)
    # the same people at two dates share user_keys: the order within a key is by date
    shuffled = churn_model_table(frame.sample(frac=1.0, random_state=9), ChurnConfig(features=FEATURES))
    pd.testing.assert_frame_equal(table, shuffled)


def test_model_table_long_form_and_version_follows_parameters() -> None:
    frame = synthetic()
    table = churn_model_table(frame, ChurnConfig(features=FEATURES))
    regression = table[(table["fit_role"] == "serving") & (table["model_name"] == "logistic_regression")]
    assert list(regression["feature_name"]) == list(FEATURES)
    assert regression["intercept"].nunique() == 1 and regression["training_rows"].iloc[0] == len(frame)
    assert regression["positive_rate"].iloc[0] == pytest.approx(frame["is_churned"].mean())
    assert regression["model_status"].eq("fitted").all()
    again = churn_model_table(frame.sample(frac=1.0, random_state=3), ChurnConfig(features=FEATURES))
    pd.testing.assert_frame_equal(table, again)  # row order of the input does not matter
    stronger = churn_model_table(frame, ChurnConfig(features=FEATURES, c=0.01))
    assert stronger["model_version"].iloc[0] != table["model_version"].iloc[0]
    assert stronger["coefficient"].abs().sum() < table["coefficient"].abs().sum()


def test_fallbacks_single_class_too_few_and_no_rows() -> None:
    frame = synthetic(200)
    cfg = ChurnConfig(features=FEATURES)
    one_class = churn_model_table(frame.assign(is_churned=True), cfg)
    assert one_class["model_status"].eq("single_class").all()
    assert one_class["coefficient"].eq(0).all()
    assert one_class["intercept"].iloc[0] == pytest.approx(np.log(0.999 / 0.001))
    few = churn_model_table(frame.head(20), cfg)
    assert few["model_status"].eq("too_few_rows").all()
    rate = frame.head(20)["is_churned"].mean()
    assert few["intercept"].iloc[0] == pytest.approx(np.log(rate / (1 - rate)))
    none = churn_model_table(frame.head(0), cfg)
    assert none["model_status"].eq("no_training_rows").all()
    assert none["intercept"].iloc[0] == 0.0 and none["positive_rate"].isna().all()
    assert fallback_intercept(0.5) == 0.0


def test_exported_tables_keep_their_types_without_training_rows() -> None:
    """With no training rows at all the exported tables still type dates as DATE and text as
    VARCHAR (an all-None column would get DuckDB's NULL type, which downstream casts and dbt
    unit-test fixtures cannot use)."""
    empty = synthetic(0).assign(snapshot_role="train", snapshot_date=pd.NaT, refund_rate=0.0)
    tree_cfg = TreeConfig(features=("a", "refund_rate"))
    con = duckdb.connect()
    try:
        tables = (churn_model_table(empty, ChurnConfig(features=FEATURES)), churn_tree_table(empty, tree_cfg))
        for table in tables:
            relation = to_engine(con, table, DATE_COLUMNS)
            types = dict(zip(relation.columns, map(str, relation.types), strict=True))
            assert types["training_snapshot_date"] == "DATE"
            assert "NULL" not in types.values(), types
            assert relation.filter("training_snapshot_date is not null").fetchall() == []
    finally:
        con.close()


def test_constant_feature_gets_unit_std_and_zero_coefficient() -> None:
    frame = synthetic().assign(c=4.0)
    table = churn_model_table(frame, ChurnConfig(features=FEATURES))
    table = table[(table["fit_role"] == "serving") & (table["model_name"] == "logistic_regression")]
    table = table.set_index("feature_name")
    assert table.loc["c", "feature_std"] == 1.0
    assert table.loc["c", "coefficient"] == 0.0


def test_bad_input_and_config_give_clear_errors() -> None:
    frame = synthetic(100)
    with pytest.raises(ChurnInputError, match=r"NULL or non-finite values: \['b'\]"):
        training_data(frame.assign(b=np.where(frame.index == 5, np.nan, frame["b"])), FEATURES)
    with pytest.raises(ChurnInputError, match="lacks columns"):
        training_data(frame, ("a", "missing"))
    with pytest.raises(ChurnInputError, match="must all have a label"):
        training_data(frame.assign(is_churned=None), FEATURES)
    with pytest.raises(ChurnInputError, match="class_weight"):
        config_from_params({"features": ["a"], "class_weight": "heavy"})
    with pytest.raises(ChurnInputError, match="`c` must be > 0"):
        config_from_params({"features": ["a"], "c": "0"})
    params = {"features": '["a", "b"]', "c": "0.5", "class_weight": "Balanced", "max_iter": ""}
    cfg = config_from_params(params)
    assert cfg == ChurnConfig(features=("a", "b"), c=0.5, class_weight="balanced")


def test_training_frame_pulls_the_training_rows_and_only_the_columns_used() -> None:
    snapshots = pd.concat(
        [
            synthetic(50).assign(snapshot_role="train"),
            synthetic(30, seed=1).assign(snapshot_role="serving_train"),
            synthetic(25, seed=3).assign(snapshot_role="eval"),
            synthetic(20, seed=2).assign(snapshot_role="score", is_churned=None),
        ]
    ).assign(extra_text="x" * 64, snapshot_date=pd.Timestamp("2026-01-01"))
    con = duckdb.connect()
    try:
        frame = training_frame(con.from_df(snapshots), ("c", "a"))
    finally:
        con.close()
    columns = ["snapshot_role", "snapshot_date", "user_key", "is_churned", "c", "a"]
    # the training roles only: never the evaluation rows, never the unlabelled score rows
    assert list(frame.columns) == columns and len(frame) == 80
    expected = snapshots[snapshots["snapshot_role"].isin(["train", "serving_train"])][columns]
    pd.testing.assert_frame_equal(
        frame.sort_values(["snapshot_role", "user_key"]).reset_index(drop=True),
        expected.sort_values(["snapshot_role", "user_key"]).reset_index(drop=True),
        check_dtype=False,
    )


@pytest.mark.parametrize(("name", "keys"), [("churn_model", CONFIG_KEYS), ("churn_tree", TREE_CONFIG_KEYS)])
def test_python_model_reads_every_config_key_literally(name: str, keys: tuple[str, ...]) -> None:
    code = (PROJECT_DIR / "python_models" / f"{name}.py").read_text()
    assert set(re.findall(r'dbt\.config\.get\("(\w+)"\)', code)) == set(keys)


def snapshot_frame(runner: DbtRunner, role: str) -> pd.DataFrame:
    """The rows of one snapshot of int_churn_snapshots as a frame."""
    con = duckdb.connect(str(runner.db_path), read_only=True)
    try:
        return con.execute(
            "select * from intermediate.int_churn_snapshots where snapshot_role = ? order by user_key", [role]
        ).df()
    finally:
        con.close()


def model_params(runner: DbtRunner) -> tuple[tuple[str, ...], float]:
    """Features (in order) and C of the logistic regression in churn_model."""
    rows = runner.query(
        "select feature_name, regularization_c from marts.churn_model "
        "where fit_role = 'serving' and model_name = 'logistic_regression' order by feature_order"
    )
    return tuple(r[0] for r in rows), float(rows[0][1])


def sql_probabilities(runner: DbtRunner, snapshot_role: str, model_name: str) -> dict[str, float]:
    """user_key -> churn probability of one candidate on one snapshot (int_churn_predictions)."""
    return dict(
        runner.query(
            "select user_key, churn_probability from intermediate.int_churn_predictions "
            "where snapshot_role = ? and model_name = ?",
            [snapshot_role, model_name],
        )
    )


@pytest.mark.dbt
@pytest.mark.parametrize(("train_role", "scored_role"), list(FIT_ROLES.values()))
def test_sql_regression_equals_sklearn_predict_proba(
    shared_build: tuple[DbtRunner, Path], train_role: str, scored_role: str
) -> None:
    """Both fits: the backtest (trained on `train`, scores `eval`) and the serving fit (trained
    on `eval`, the latest labelled snapshot, scores `score`), for both linear candidates."""
    runner, _ = shared_build
    features, c = model_params(runner)
    scored = snapshot_frame(runner, scored_role)
    for model_name, columns in (("logistic_regression", features), ("recency_only", ("log1p_recency_days",))):
        x_train, y_train = training_data(snapshot_frame(runner, train_role), columns)
        scaling = fit_scaling(x_train)
        reference = LogisticRegression(C=c, max_iter=1000, random_state=42)
        reference.fit(scaling.transform(x_train), y_train)
        x_scored, _ = training_data(scored.assign(is_churned=False), columns)
        expected = reference.predict_proba(scaling.transform(x_scored))[:, 1]
        sql = sql_probabilities(runner, scored_role, model_name)
        got = np.array([sql[u] for u in scored["user_key"]])
        assert len(got) > 1000
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9, err_msg=model_name)


@pytest.mark.dbt
@pytest.mark.parametrize(("fit_role", "roles"), list(FIT_ROLES.items()))
def test_sql_tree_walk_equals_sklearn_predict_proba(
    shared_build: tuple[DbtRunner, Path], fit_role: str, roles: tuple[str, str]
) -> None:
    """The node table walked in SQL gives every person exactly scikit-learn's predict_proba of a
    tree refitted here with the exported parameters on the same training snapshot, and the
    exported nodes are that tree's."""
    runner, _ = shared_build
    train_role, scored_role = roles
    ((max_depth, min_leaf, status),) = runner.query(
        "select distinct max_depth, min_leaf_rows, model_status from marts.churn_tree where fit_role = ?",
        [fit_role],
    )
    assert status == "fitted"
    features = TREE_FEATURES
    x_train, y_train = training_data(snapshot_frame(runner, train_role), features)
    reference = DecisionTreeClassifier(
        criterion="entropy", max_depth=max_depth, min_samples_leaf=min_leaf, random_state=42
    ).fit(x_train, y_train)
    nodes = runner.query(
        "select node_id, feature_name, threshold, node_rows from marts.churn_tree "
        "where fit_role = ? order by node_id",
        [fit_role],
    )
    assert [n[0] for n in nodes] == list(range(reference.tree_.node_count))
    assert [n[3] for n in nodes] == reference.tree_.n_node_samples.tolist()
    split = reference.tree_.feature >= 0
    inner = [n for n, s in zip(nodes, split, strict=True) if s]
    assert [n[1] for n in inner] == [features[f] for f in reference.tree_.feature[split]]
    assert [n[2] for n in inner] == reference.tree_.threshold[split].tolist()
    scored = snapshot_frame(runner, scored_role)
    x_scored, _ = training_data(scored.assign(is_churned=False), features)
    expected = reference.predict_proba(x_scored)[:, 1]
    sql = sql_probabilities(runner, scored_role, "decision_tree")
    got = np.array([sql[u] for u in scored["user_key"]])
    assert len(got) > 1000 and len(np.unique(expected)) > 2
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


@pytest.mark.dbt
def test_serving_fits_train_on_the_latest_labelled_snapshot(shared_build: tuple[DbtRunner, Path]) -> None:
    """The serving fit's training snapshot is as_of - H (labels complete up to as_of), the
    backtest's as_of - 2H, for every candidate, in churn_model, churn_tree, churn_evaluation and
    churn_scores."""
    runner, _ = shared_build
    ((as_of,),) = runner.query("select as_of_date from intermediate.int_analysis_date")
    horizon = 90  # dbt_project.yml default of churn_horizon_days, which the shared build uses
    serving, backtest = as_of - timedelta(days=horizon), as_of - timedelta(days=2 * horizon)
    for table in ("marts.churn_model", "marts.churn_tree", "intermediate.int_churn_fits"):
        dates = dict(runner.query(f"select distinct fit_role, training_snapshot_date from {table}"))
        assert dates == {"serving": serving, "backtest": backtest}, table
    evaluation = runner.query(
        "select distinct evaluation_snapshot_date, backtest_training_snapshot_date, "
        "serving_training_snapshot_date from marts.churn_evaluation"
    )
    assert evaluation == [(serving, backtest, serving)]
    assert runner.query("select distinct training_snapshot_date from marts.churn_scores") == [(serving,)]
    ((snapshot,),) = runner.query(
        "select distinct snapshot_date from intermediate.int_churn_snapshots where snapshot_role = 'eval'"
    )
    assert snapshot == serving


@pytest.mark.dbt
def test_evaluation_metrics_equal_sklearn(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = shared_build
    metrics = {
        r[0]: r[1:]
        for r in runner.query(
            "select model_name, user_count, positives, roc_auc, pr_auc, log_loss, brier_score "
            "from marts.churn_evaluation"
        )
    }
    assert set(metrics) == {"recency_only", "recency_frequency", "decision_tree", "logistic_regression"}
    for model_name, (users, positives, auc, ap, loss, brier) in metrics.items():
        rows = runner.query(
            "select user_key, is_churned::int, churn_probability, recency_days "
            "from intermediate.int_churn_predictions where snapshot_role = 'eval' and model_name = ? "
            "order by user_key",
            [model_name],
        )
        y = np.array([r[1] for r in rows])
        p = np.array([r[2] for r in rows])
        assert (users, positives) == (len(y), y.sum())
        assert auc == pytest.approx(roc_auc_score(y, p), abs=1e-12), model_name
        assert ap == pytest.approx(average_precision_score(y, p), abs=1e-12), model_name
        assert loss == pytest.approx(log_loss(y, p), abs=1e-12), model_name
        assert brier == pytest.approx(brier_score_loss(y, p), abs=1e-12), model_name
        if model_name == "recency_only":
            # calibrated, but ranked exactly as days since the last purchase (ties included)
            recency = np.array([r[3] for r in rows], dtype=float)
            assert auc == pytest.approx(roc_auc_score(y, recency), abs=1e-12)


def delong_placements(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeLong's placements from their definition, pair by pair: per churner, the share of
    non-churners it outscores (ties one half); per non-churner, the share of churners that
    outscore it."""
    pos, neg = p[y == 1], p[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    return psi.mean(axis=1), psi.mean(axis=0)


@pytest.mark.dbt
def test_auc_gain_over_recency_and_its_delong_error_equal_the_definition(
    shared_build: tuple[DbtRunner, Path],
) -> None:
    runner, _ = shared_build
    rows = runner.query(
        "select model_name, user_key, is_churned::int, churn_probability "
        "from intermediate.int_churn_predictions where snapshot_role = 'eval' order by model_name, user_key"
    )
    frame = pd.DataFrame(rows, columns=["model_name", "user_key", "churned", "probability"])
    wide = frame.pivot(index="user_key", columns="model_name", values="probability")
    y = frame.drop_duplicates("user_key").set_index("user_key").loc[wide.index, "churned"].to_numpy()
    reference = delong_placements(y, wide["recency_only"].to_numpy())
    gains = runner.query(
        "select model_name, roc_auc_gain_over_recency, roc_auc_gain_standard_error "
        "from marts.churn_evaluation"
    )
    table = {r[0]: r[1:] for r in gains}
    for model_name, (gain, error) in table.items():
        churners, others = delong_placements(y, wide[model_name].to_numpy())
        d10, d01 = churners - reference[0], others - reference[1]
        assert gain == pytest.approx(d10.mean(), abs=1e-12), model_name
        expected = np.sqrt(d10.var(ddof=1) / len(d10) + d01.var(ddof=1) / len(d01))
        assert error == pytest.approx(expected, abs=1e-9), model_name
    assert table["recency_only"] == (0.0, 0.0)
    # the demo's planted churn hazard is found well beyond the noise
    assert table["decision_tree"][0] > 3 * table["decision_tree"][1]


def champion_by_rule(rows: list[tuple], tolerance: float, min_auc_z: float) -> str:
    """The champion rule of churn_evaluation, written again in Python from its documentation:
    rows are (model_name, model_kind, complexity_rank, roc_auc, log_loss, gain over recency,
    standard error of the gain)."""
    rows = sorted(rows, key=lambda r: r[2])
    baselines = [r for r in rows if r[1] == "baseline"]
    eligible = []
    for name, kind, rank, auc, loss, gain, error in rows:
        simpler = [b[3] for b in baselines if b[2] < rank]
        ok = (not simpler or auc >= max(simpler)) and gain >= min_auc_z * error
        if kind == "model":
            bar = min(b[4] for b in baselines) + tolerance  # within the tolerance is a tie
            ok = ok and auc >= max(b[3] for b in baselines) and loss <= bar
        if ok:
            eligible.append((name, rank, loss))
    best = min(e[2] for e in eligible)
    return min((e for e in eligible if e[2] <= best + tolerance), key=lambda e: e[1])[0]


@pytest.mark.dbt
def test_the_champion_follows_the_documented_rule_and_is_served(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = shared_build
    rows = runner.query(
        "select model_name, model_kind, complexity_rank, roc_auc, log_loss, roc_auc_gain_over_recency, "
        "roc_auc_gain_standard_error from marts.churn_evaluation"
    )
    champion = runner.query("select model_name from marts.churn_evaluation where is_champion")
    assert champion == [(champion_by_rule(rows, 0.001, 1.645),)]
    served = runner.query("select distinct served_model, model_version from marts.churn_scores")
    version = runner.query("select serving_model_version from marts.churn_evaluation where is_champion")
    assert served == [(champion[0][0], version[0][0])]
    scores = dict(runner.query("select user_key, churn_probability from marts.churn_scores"))
    assert scores == sql_probabilities(runner, "score", champion[0][0])
    status = runner.query("select model_status from marts.model_status where model_family = 'churn'")
    assert status == [("fitted",)]


@pytest.mark.dbt
def test_a_champion_chosen_without_backtest_evidence_says_so(tmp_path: Path) -> None:
    """Four months into the demo data the serving fits have buyers to learn from, but the
    backtest's training snapshot (as_of - 2H) precedes every event: the simplest candidate
    serves, its note says there was no evidence, and model_status says `no_backtest` for churn
    (and for CLV, whose backtest ends clv_holdout_days before as_of) instead of `fitted`."""
    generate(GeneratorConfig(), tmp_path / "raw")
    runner = DbtRunner(tmp_path / "build")
    dbt_vars = {"raw_data_path": str(tmp_path / "raw"), "as_of_date": "2025-10-31"}
    result = runner.run("build", "--select", "+model_status", *MODELS_ONLY, dbt_vars=dbt_vars)
    assert result.returncode == 0, result.output[-4000:]
    rows = runner.query(
        "select model_name, backtest_model_status, serving_model_status, selection_note "
        "from marts.churn_evaluation where is_champion"
    )
    assert [r[:3] for r in rows] == [("recency_only", "no_training_rows", "fitted")]
    assert rows[0][3].startswith("champion without evidence: no backtest fit was fitted")
    status = dict(runner.query("select model_family, model_status from marts.model_status"))
    assert status["churn"] == "no_backtest" and status["clv"] == "no_backtest"
    assert status["segmentation"] == "fitted" and status["recommendations"] == "fitted"


@pytest.mark.dbt
def test_models_beat_recency_and_recover_planted_signs(shared_build: tuple[DbtRunner, Path]) -> None:
    """On the demo data (planted churn hazard) both models rank churners better than recency
    out of time, and the served regression recovers the planted directions."""
    runner, _ = shared_build
    auc = dict(runner.query("select model_name, roc_auc from marts.churn_evaluation"))
    assert auc["logistic_regression"] > auc["recency_only"] + 0.01, auc
    assert auc["decision_tree"] > auc["recency_only"] + 0.01, auc
    coefficient = dict(
        runner.query(
            "select feature_name, coefficient from marts.churn_model "
            "where fit_role = 'serving' and model_name = 'logistic_regression'"
        )
    )
    # planted: churn hazard rises with refund propensity, falls with engagement (activity)
    assert coefficient["refund_rate"] > 0
    assert coefficient["log1p_active_days_30"] < 0
    assert coefficient["log1p_active_days_90"] < 0
    assert coefficient["log1p_recency_days"] > 0
    status = runner.query("select distinct model_status from marts.churn_model")
    assert status == [("fitted",)]


@pytest.mark.dbt
def test_serving_fits_are_calibrated_on_their_training_snapshot(shared_build: tuple[DbtRunner, Path]) -> None:
    """Calibration in the training snapshot of the serving fit (`eval`, labels known): the
    regression's mean probability is the churn rate (the intercept is not penalised); the
    tree's and the cells' probabilities are their training shares, so per leaf and per cell
    the predicted probability equals the observed rate."""
    runner, _ = shared_build
    features, c = model_params(runner)
    evaluation = snapshot_frame(runner, "serving_train")
    x, y = training_data(evaluation, features)
    fitted = fit_churn_model(x, y, ChurnConfig(features=features, c=c))
    p = 1 / (1 + np.exp(-fitted.linear_score(x)))
    assert p.mean() == pytest.approx(y.mean(), abs=1e-4)
    leaves = runner.query(
        "select node_rows, churners, churn_probability from marts.churn_tree "
        "where fit_role = 'serving' and is_leaf"
    )
    assert sum(r[0] for r in leaves) == len(y) and sum(r[1] for r in leaves) == y.sum()
    assert all(abs(r[2] - r[1] / r[0]) < 1e-12 for r in leaves)
    cells = runner.query(
        "select sum(people), sum(churners) from intermediate.int_churn_cell_rates where fit_role = 'serving'"
    )
    assert cells == [(len(y), y.sum())]


@pytest.mark.dbt
def test_deciles_and_scores_are_consistent(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = shared_build
    ((champion,),) = runner.query("select model_name from marts.churn_evaluation where is_champion")
    deciles = runner.query(
        "select decile, model_name, mean_predicted_probability, capture_rate "
        "from marts.churn_evaluation_deciles order by decile"
    )
    assert [d[0] for d in deciles] == list(range(1, 11))
    assert {d[1] for d in deciles} == {champion}
    means = [d[2] for d in deciles]
    assert means == sorted(means, reverse=True)
    assert deciles[-1][3] == pytest.approx(1.0)
    # the noise band recomputed from the champion's out-of-time predictions, decile by decile
    predictions = runner.query(
        "select churn_probability, user_key from intermediate.int_churn_predictions "
        "where snapshot_role = 'eval' and model_name = ? order by churn_probability desc, user_key",
        [champion],
    )
    p = np.array([row[0] for row in predictions])
    bands = runner.query(
        "select decile, calibration_noise_band, is_within_noise_band, abs(calibration_gap) "
        "from marts.churn_evaluation_deciles order by decile"
    )
    for (decile, band, within, gap), part in zip(bands, np.array_split(p, 10), strict=True):
        assert band == pytest.approx(1.96 * np.sqrt(np.sum(part * (1 - part))) / len(part), rel=1e-9), decile
        assert within == (gap <= band)
    # the top risk decile is mostly people who did churn, the bottom one mostly people who did not
    top, bottom = runner.query(
        "select observed_churn_rate from marts.churn_evaluation_deciles "
        "where decile in (1, 10) order by decile"
    )
    assert top[0] > 0.7 > 0.3 > bottom[0]
    reasons = [
        r[0]
        for r in runner.query(
            "select top_reasons from marts.churn_scores where risk_band = 'very_high' "
            "order by user_key limit 50"
        )
    ]
    if champion in ("decision_tree", "recency_frequency"):
        rule = r".+: \d+% stop buying, [\d,]+ (person|people)"
        assert all(re.fullmatch(rule, r) for r in reasons), reasons[:3]
    else:
        assert any(re.search(r"no purchase in \d+ days", r) for r in reasons)
    value = runner.query(
        """
        select count(*) filter (where abs(v.probability_active_12m - (1 - s.churn_probability)) > 1e-12)
        from marts.customer_value as v inner join marts.churn_scores as s using (user_key)
        """
    )
    assert value == [(0,)]


@pytest.mark.dbt
def test_features_at_a_snapshot_ignore_later_events(tmp_path: Path) -> None:
    """Changing every event after S_train leaves the train snapshot's features unchanged (and
    changes its labels, so the comparison is not vacuous)."""
    raw = tmp_path / "raw"
    generate(GeneratorConfig(seed=21, users=400, items=60, days=240), raw)
    as_of, horizon = "2026-06-30", 60  # the generator's default end date
    s_train = (pd.Timestamp(as_of) - pd.Timedelta(days=2 * horizon)).date()
    changed = write_contract_copy(raw, tmp_path / "changed")
    events = raw / "events.parquet"
    later = f"coalesce(event_at >= date '{s_train}' + 1, false)"
    con = duckdb.connect()
    assert con.execute(f"select count(*) from read_parquet('{events}') where {later}").fetchall()[0][0] > 1000
    # drop a third of the events after S_train and double the price of the rest
    con.execute(
        f"""
        copy (
            select * from read_parquet('{events}') where not {later}
            union all
            select * replace (unit_price * 2 as unit_price)
            from read_parquet('{events}')
            where {later} and hash(event_id) % 3 != 0
        ) to '{changed / "events.parquet"}' (format parquet)
        """
    )
    con.close()

    snapshots = {}
    for name, directory in (("original", raw), ("changed", changed)):
        runner = DbtRunner(tmp_path / f"build_{name}")
        dbt_vars = {"raw_data_path": str(directory), "as_of_date": as_of, "churn_horizon_days": horizon}
        result = runner.run("build", "--select", "+int_churn_snapshots", *MODELS_ONLY, dbt_vars=dbt_vars)
        assert result.returncode == 0, result.output[-4000:]
        snapshots[name] = snapshot_frame(runner, "train")
    original, edited = snapshots["original"], snapshots["changed"]
    assert str(original["snapshot_date"].iloc[0])[:10] == str(s_train)
    assert len(original) > 100
    feature_columns = [c for c in original.columns if c not in ("is_churned", "label_window_end")]
    pd.testing.assert_frame_equal(original[feature_columns], edited[feature_columns])
    assert (original["is_churned"] != edited["is_churned"]).any()


@pytest.mark.dbt
def test_stacked_training_snapshots_are_spaced_and_leak_free(tmp_path: Path) -> None:
    """churn_training_snapshots = 3: the backtest learns on as_of - 2H and two earlier snapshots
    30 days apart, serving on as_of - H and two earlier ones; evaluation and scoring stay one
    snapshot each, and no backtest label reaches the evaluation snapshot (the singular test
    assert_churn_backtest_labels_end_before_evaluation runs in this build)."""
    raw = tmp_path / "raw"
    generate(GeneratorConfig(seed=21, users=400, items=60, days=240), raw)
    as_of, horizon, spacing = pd.Timestamp("2026-06-30"), 60, 30
    runner = DbtRunner(tmp_path / "build")
    dbt_vars = {
        "raw_data_path": str(raw),
        "as_of_date": str(as_of.date()),
        "churn_horizon_days": horizon,
        "churn_training_snapshots": 3,
        "churn_training_snapshot_spacing_days": spacing,
    }
    result = runner.run("build", "--select", "+churn_evaluation", dbt_vars=dbt_vars)
    assert result.returncode == 0, result.output[-4000:]
    assert any("assert_churn_backtest_labels_end_before_evaluation" in r for r in result.statuses())
    dates = {}
    for role, snapshot_date, label_end in runner.query(
        "select distinct snapshot_role, snapshot_date, label_window_end from intermediate.int_churn_snapshots"
    ):
        dates.setdefault(role, []).append((pd.Timestamp(snapshot_date), label_end))

    def days_before(offsets: list[int]) -> list[pd.Timestamp]:
        return sorted(as_of - pd.Timedelta(days=d) for d in offsets)

    stack = [k * spacing for k in range(3)]
    assert sorted(d for d, _ in dates["train"]) == days_before([2 * horizon + k for k in stack])
    assert sorted(d for d, _ in dates["serving_train"]) == days_before([horizon + k for k in stack])
    assert [d for d, _ in dates["eval"]] == days_before([horizon])
    assert max(pd.Timestamp(end) for _, end in dates["train"]) <= dates["eval"][0][0]
    stacked = runner.query("select distinct fit_role, training_snapshots from marts.churn_model order by 1")
    assert stacked == [("backtest", 3), ("serving", 3)]
    rows = runner.query(
        "select snapshot_role, count(*) from intermediate.int_churn_snapshots "
        "where snapshot_role in ('train', 'serving_train') group by 1 order by 1"
    )
    trained = runner.query(
        "select distinct training_snapshot_role, training_rows from marts.churn_tree order by 1"
    )
    assert trained == rows
