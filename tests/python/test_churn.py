"""Churn model: package units, fallbacks, SQL scoring == scikit-learn, evaluation metrics, leakage."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

from conftest import MODELS_ONLY, PROJECT_DIR, DbtRunner, write_contract_copy
from customer_intel.devtools.demo_data.config import GeneratorConfig
from customer_intel.devtools.demo_data.generate import generate
from customer_intel.ml.churn import (
    CONFIG_KEYS,
    ChurnConfig,
    ChurnInputError,
    churn_model_table,
    config_from_params,
    fallback_intercept,
    fit_churn_model,
    training_data,
    training_frame,
)
from customer_intel.ml.segmentation import fit_scaling

FEATURES = ("a", "b", "c")


def synthetic(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Labels drawn from a known logistic model: a raises churn, b lowers it, c is noise."""
    rng = np.random.default_rng(seed)
    a, b, c = rng.normal(0, 1, n), rng.normal(5, 2, n), rng.normal(0, 1, n)
    p = 1 / (1 + np.exp(-(0.3 + 1.5 * a - 0.8 * (b - 5) / 2)))
    return pd.DataFrame(
        {"user_key": [f"u{i:05d}" for i in range(n)], "a": a, "b": b, "c": c, "is_churned": rng.random(n) < p}
    )


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


def test_model_table_long_form_and_version_follows_parameters() -> None:
    frame = synthetic()
    table = churn_model_table(frame, ChurnConfig(features=FEATURES))
    assert list(table["feature_name"]) == list(FEATURES)
    assert table["intercept"].nunique() == 1 and table["training_rows"].iloc[0] == len(frame)
    assert table["positive_rate"].iloc[0] == pytest.approx(frame["is_churned"].mean())
    assert table["model_status"].eq("fitted").all()
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


def test_constant_feature_gets_unit_std_and_zero_coefficient() -> None:
    frame = synthetic().assign(c=4.0)
    table = churn_model_table(frame, ChurnConfig(features=FEATURES)).set_index("feature_name")
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


def test_training_frame_pulls_the_train_rows_and_only_the_columns_used() -> None:
    snapshots = pd.concat(
        [synthetic(50).assign(snapshot_role="train"), synthetic(30, seed=1).assign(snapshot_role="eval")]
    ).assign(extra_text="x" * 64)
    con = duckdb.connect()
    try:
        frame = training_frame(con.from_df(snapshots), ChurnConfig(features=("c", "a")))
    finally:
        con.close()
    assert list(frame.columns) == ["user_key", "is_churned", "c", "a"] and len(frame) == 50
    expected = snapshots[snapshots["snapshot_role"] == "train"][["user_key", "is_churned", "c", "a"]]
    pd.testing.assert_frame_equal(
        frame.sort_values("user_key").reset_index(drop=True), expected.reset_index(drop=True)
    )


def test_python_model_reads_every_config_key_literally() -> None:
    code = (PROJECT_DIR / "python_models" / "churn_model.py").read_text()
    assert set(re.findall(r'dbt\.config\.get\("(\w+)"\)', code)) == set(CONFIG_KEYS)


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
    """Features (in order) and C of the churn_model table."""
    rows = runner.query("select feature_name, regularization_c from marts.churn_model order by feature_order")
    return tuple(r[0] for r in rows), float(rows[0][1])


@pytest.mark.dbt
def test_sql_probability_equals_sklearn_predict_proba_on_eval_snapshot(
    shared_build: tuple[DbtRunner, Path],
) -> None:
    runner, _ = shared_build
    features, c = model_params(runner)
    x_train, y_train = training_data(snapshot_frame(runner, "train"), features)
    scaling = fit_scaling(x_train)
    reference = LogisticRegression(C=c, max_iter=1000, random_state=42)
    reference.fit(scaling.transform(x_train), y_train)
    evaluation = snapshot_frame(runner, "eval")
    x_eval, _ = training_data(evaluation, features)
    expected = reference.predict_proba(scaling.transform(x_eval))[:, 1]
    sql = dict(
        runner.query(
            "select user_key, churn_probability from intermediate.int_churn_predictions "
            "where snapshot_role = 'eval'"
        )
    )
    got = np.array([sql[u] for u in evaluation["user_key"]])
    assert len(got) > 1000
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


@pytest.mark.dbt
def test_evaluation_metrics_equal_sklearn(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = shared_build
    rows = runner.query(
        "select user_key, is_churned::int, churn_probability, recency_days "
        "from intermediate.int_churn_predictions where snapshot_role = 'eval' order by user_key"
    )
    y = np.array([r[1] for r in rows])
    p = np.array([r[2] for r in rows])
    recency = np.array([r[3] for r in rows], dtype=float)
    metrics = {
        r[0]: r[1:]
        for r in runner.query(
            "select model_name, user_count, positives, roc_auc, pr_auc, log_loss, brier_score "
            "from marts.churn_evaluation"
        )
    }
    users, positives, auc, ap, loss, brier = metrics["logistic_regression"]
    assert (users, positives) == (len(y), y.sum())
    assert auc == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert ap == pytest.approx(average_precision_score(y, p), abs=1e-12)
    assert loss == pytest.approx(log_loss(y, p), abs=1e-12)
    assert brier == pytest.approx(brier_score_loss(y, p), abs=1e-12)
    _, _, base_auc, base_ap, base_loss, _ = metrics["recency_only"]
    assert base_auc == pytest.approx(roc_auc_score(y, recency), abs=1e-12)  # many tied recencies
    assert base_ap == pytest.approx(average_precision_score(y, recency), abs=1e-12)
    assert base_loss is None


@pytest.mark.dbt
def test_model_beats_recency_baseline_and_recovers_planted_signs(
    shared_build: tuple[DbtRunner, Path],
) -> None:
    runner, _ = shared_build
    auc = dict(runner.query("select model_name, roc_auc from marts.churn_evaluation"))
    assert auc["logistic_regression"] > auc["recency_only"] + 0.01, auc
    coefficient = dict(runner.query("select feature_name, coefficient from marts.churn_model"))
    # planted: churn hazard rises with refund propensity, falls with engagement (activity)
    assert coefficient["refund_rate"] > 0
    assert coefficient["log1p_active_days_30"] < 0
    assert coefficient["log1p_active_days_90"] < 0
    assert coefficient["log1p_recency_days"] > 0
    status = runner.query("select distinct model_status from marts.churn_model")
    assert status == [("fitted",)]


@pytest.mark.dbt
def test_deciles_and_scores_are_consistent(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = shared_build
    deciles = runner.query(
        "select decile, mean_predicted_probability, capture_rate "
        "from marts.churn_evaluation_deciles order by decile"
    )
    assert [d[0] for d in deciles] == list(range(1, 11))
    means = [d[1] for d in deciles]
    assert means == sorted(means, reverse=True)
    assert deciles[-1][2] == pytest.approx(1.0)
    # the top risk decile is mostly people who did churn, the bottom one mostly people who did not
    top, bottom = runner.query(
        "select observed_churn_rate from marts.churn_evaluation_deciles "
        "where decile in (1, 10) order by decile"
    )
    assert top[0] > 0.7 > 0.3 > bottom[0]
    reasons = runner.query(
        "select top_reasons from marts.churn_scores where risk_band = 'very_high' order by user_key limit 50"
    )
    assert any(re.search(r"no purchase in \d+ days", r[0]) for r in reasons)
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
