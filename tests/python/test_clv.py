"""Customer lifetime value (issue: BG/NBD + Gamma-Gamma fitted in Python, scored in SQL).

- The package (customer_intel.ml.clv): likelihoods, fits, fallbacks, the series rule.
- The SQL scoring path (macros/clv/clv_scoring.sql, compiled by dbt and run in DuckDB) equals
  the Python reference (scipy's hyp2f1) to 1e-9 on a grid that includes frequent buyers, long
  horizons and parameters where the series changes sign.
- The CDNOW sample (Fader, Hardie and Lee 2005), built by dbt with the calibration period
  ending 1997-09-30: the published parameters to 3 significant figures, the published
  log-likelihood, and the spreadsheet's 1.226 through the SQL path.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from conftest import CDNOW_SAMPLE, DbtRunner
from customer_intel.devtools.cdnow import convert
from customer_intel.ml import clv

# Published (weeks): Fader, Hardie and Lee (2005a), and the Gamma-Gamma fit of the iso-value paper.
PUBLISHED_BG_NBD_WEEKS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_BG_NBD_DAYS = {"r": 0.243, "alpha": 30.90, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}
PUBLISHED_LOG_LIKELIHOOD_WEEKS = -9582.4
# The spreadsheet's customer: x = 2, t_x = 30.43, T = 38.86 weeks, 39 weeks ahead -> 1.226.
SPREADSHEET_DAYS = {"frequency": 2, "recency_days": 213, "age_days": 272, "horizon_days": 273}
SPREADSHEET_VALUE = 1.226


def significant(value: float, digits: int = 3) -> float:
    """`value` rounded to `digits` significant figures."""
    return float(f"{value:.{digits - 1}e}")


# --- the package -----------------------------------------------------------------------------


def test_published_value_with_published_parameters_in_python() -> None:
    weeks = clv.expected_purchases(PUBLISHED_BG_NBD_WEEKS, 39, 2, 30.43, 38.86)
    assert round(weeks, 3) == SPREADSHEET_VALUE
    # the same customer in days with alpha times 7 gives the same expectation
    days = {**PUBLISHED_BG_NBD_WEEKS, "alpha": PUBLISHED_BG_NBD_WEEKS["alpha"] * 7}
    assert clv.expected_purchases(days, 39 * 7, 2, 30.43 * 7, 38.86 * 7) == pytest.approx(weeks, rel=1e-12)


def test_log_likelihood_in_days_is_the_weekly_one_minus_ln7_per_repeat() -> None:
    x = np.array([0.0, 1.0, 4.0])
    t_x = np.array([0.0, 35.0, 200.0])
    age = np.array([100.0, 150.0, 270.0])
    weekly = clv.bg_nbd_log_likelihood(np.array([0.3, 5.0, 0.8, 2.0]), x, t_x / 7, age / 7)
    daily = clv.bg_nbd_log_likelihood(np.array([0.3, 35.0, 0.8, 2.0]), x, t_x, age)
    np.testing.assert_allclose(daily, weekly - x * math.log(7), rtol=1e-12)


def simulate_bg_nbd(n: int, params: dict[str, float], horizon: float, seed: int) -> pd.DataFrame:
    """Customers drawn from BG/NBD itself: rate ~ Gamma(r, 1/alpha), dropout p ~ Beta(a, b);
    after each purchase the person drops out with probability p. Everyone starts at day 0."""
    rng = np.random.default_rng(seed)
    rates = rng.gamma(params["r"], 1 / params["alpha"], n)
    drops = rng.beta(params["a"], params["b"], n)
    rows = []
    for rate, drop in zip(rates, drops, strict=True):
        t, x, last = 0.0, 0, 0.0
        while True:
            t += rng.exponential(1 / rate)
            if t > horizon:
                break
            x, last = x + 1, t
            if rng.random() < drop:
                break
        rows.append((x, last, horizon))
    return pd.DataFrame(rows, columns=["frequency", "recency_days", "age_days"])


def test_fit_recovers_the_parameters_of_simulated_customers() -> None:
    truth = {"r": 0.5, "alpha": 20.0, "a": 0.7, "b": 3.0}
    fit = clv.fit_bg_nbd(simulate_bg_nbd(20_000, truth, 365.0, seed=7), min_repeat_customers=10)
    assert fit.status == "fitted" and fit.starts_converged >= 1
    for name, value in truth.items():
        assert fit.parameters[name] == pytest.approx(value, rel=0.15), (name, fit.parameters)


def test_grouped_summary_gives_the_same_fit_as_one_row_per_person() -> None:
    people = simulate_bg_nbd(3_000, {"r": 0.5, "alpha": 20.0, "a": 0.7, "b": 3.0}, 200.0, seed=3)
    people = people.assign(recency_days=np.ceil(people["recency_days"]), age_days=200.0)
    grouped = people.groupby(["frequency", "recency_days", "age_days"], as_index=False).size()
    grouped = grouped.rename(columns={"size": "customers"})
    one_by_one, by_group = clv.fit_bg_nbd(people, 10), clv.fit_bg_nbd(grouped, 10)
    assert by_group.log_likelihood == pytest.approx(one_by_one.log_likelihood, rel=1e-9)
    # the same optimum: the optimiser stops on a gradient tolerance, so the flattest direction
    # (b here) agrees to about 1e-5
    for name in clv.BG_NBD_PARAMETERS:
        assert by_group.parameters[name] == pytest.approx(one_by_one.parameters[name], rel=1e-4)


def test_fallbacks_have_a_status_and_no_numbers() -> None:
    empty = pd.DataFrame({"frequency": [], "recency_days": [], "age_days": []})
    assert clv.fit_bg_nbd(empty, 20).status == "no_customers"
    one_repeat = pd.DataFrame({"frequency": [0, 0, 1], "recency_days": [0, 0, 5], "age_days": [30, 40, 50]})
    fit = clv.fit_bg_nbd(one_repeat, 20)
    assert fit.status == "too_few_repeat_customers"
    assert all(math.isnan(v) for v in fit.parameters.values()) and math.isnan(fit.log_likelihood)
    spend = pd.DataFrame({"frequency": [1, 2], "repeat_transaction_value": [10.0, 0.0]})
    assert clv.fit_gamma_gamma(spend, 2).status == "too_few_repeat_customers"  # the $0 mean is left out
    first_day = pd.DataFrame({"frequency": [0, 0], "recency_days": [0, 0], "age_days": [0, 0]})
    assert clv.fit_bg_nbd(first_day, 0).status == "too_few_repeat_customers"


def test_no_optimum_inside_the_bounds_is_not_converged() -> None:
    # a likelihood that keeps growing: every start runs to the edge of the parameter space
    def growing(params: np.ndarray) -> np.ndarray:
        return np.array([np.log(params[0]) + np.log(params[1])])

    def growing_gradient(params: np.ndarray) -> np.ndarray:
        return np.array([[1 / params[0], 1 / params[1]]])

    params, log_likelihood, converged = clv._maximise(
        growing, growing_gradient, ((1.0, 1.0), (5.0, 0.5)), np.ones(1)
    )
    assert converged == 0 and np.isnan(params).all() and math.isnan(log_likelihood)


def test_impossible_summaries_are_refused_with_a_message() -> None:
    bad = pd.DataFrame({"frequency": [1], "recency_days": [40], "age_days": [30]})
    with pytest.raises(clv.ClvInputError, match="recency <= age"):
        clv.fit_bg_nbd(bad, 1)


def test_model_table_has_both_fit_roles_and_every_parameter() -> None:
    people = simulate_bg_nbd(2_000, {"r": 0.5, "alpha": 20.0, "a": 0.7, "b": 3.0}, 300.0, seed=5)
    summary = pd.concat(
        [people.assign(snapshot_role=role, calibration_end_date=pd.Timestamp(day), customers=1)
         for role, day in (("calibration", "2026-01-01"), ("current", "2026-06-30"))]
    )  # fmt: skip
    spend = summary[summary["frequency"] > 0]
    # Gamma-Gamma's own story: each person's mean of x gamma-distributed values
    rng = np.random.default_rng(11)
    scale = rng.gamma(3.0, 1 / 15.0, len(spend))
    values = rng.gamma(6.0 * spend["frequency"], 1 / scale) / spend["frequency"]
    spend = spend.assign(repeat_transaction_value=values)
    table = clv.clv_model_table(summary, spend, 20)
    assert list(table.columns) == list(clv.CLV_MODEL_COLUMNS)
    assert len(table) == 2 * (4 + 3)
    assert set(table["fit_role"]) == {"backtest", "serving"}
    assert set(table["model_status"]) == {"fitted"}
    assert str(table["calibration_end_date"].dtype).startswith("datetime64")


def test_series_rule_meets_its_tolerance_against_scipy() -> None:
    """The transformed, truncated series reproduces scipy's expected purchases to 1e-9 relative
    (the rule aims at 1e-12 absolute; the rest is rounding in both)."""
    for (r, alpha, a, b), x, age, horizon in itertools.product(
        [(0.243, 30.9, 0.793, 2.426), (1.5, 5.0, 2.5, 0.6), (0.3, 200.0, 0.3, 0.5), (8.0, 3.0, 1.3, 9.0)],
        [0, 1, 2, 20, 200],
        [1.0, 272.0, 2000.0],
        [30.0, 365.0],
    ):
        if x > age:
            continue
        params = {"r": r, "alpha": alpha, "a": a, "b": b}
        t_x = 0.0 if x == 0 else 0.8 * age
        reference = clv.expected_purchases(params, horizon, x, t_x, age)
        ours = clv.expected_purchases_series(params, horizon, x, t_x, age)
        assert ours == pytest.approx(reference, rel=1e-9, abs=1e-12), (params, x, age, horizon)


def test_transformed_series_stays_short_for_frequent_buyers() -> None:
    """The reason for Euler's transformation: the direct series of 2F1(r+x, b+x; a+b+x-1; z)
    needs about x z / (1 - z) terms just to reach its largest one."""
    plan = clv.series_plan(x=200, z=0.95, r=0.243, a=0.793, b=2.426)
    assert plan.terms < 100
    assert 200 * 0.95 / 0.05 > 3000


# --- the SQL path ------------------------------------------------------------------------------


def scoring_sql(runner: DbtRunner) -> str:
    """The project's scoring macros compiled by dbt into one query over a table
    `clv_test_inputs` (row_id, frequency, recency_days, age_days, horizon_days, r, alpha, a, b)."""
    inline = (
        "with series as ({{ clv_series_sum('clv_test_inputs', ['row_id']) }}) "
        "select clv_test_inputs.row_id, series.series_terms, "
        "{{ clv_p_alive('clv_test_inputs.frequency', 'clv_test_inputs.recency_days', "
        "'clv_test_inputs.age_days') }} as p_alive, "
        "{{ clv_expected_purchases('clv_test_inputs.frequency', 'clv_test_inputs.recency_days', "
        "'clv_test_inputs.age_days', 'clv_test_inputs.horizon_days') }} as expected_purchases "
        "from clv_test_inputs inner join series on clv_test_inputs.row_id = series.row_id "
        "order by clv_test_inputs.row_id"
    )  # fmt: skip
    result = runner.run("compile", "--quiet", "--output", "json", "--inline", inline)
    assert result.returncode == 0, result.output[-3000:]
    return json.loads(result.output[result.output.index("{") :])["compiled"]


@pytest.fixture(scope="module")
def compiled_scoring(tmp_path_factory: pytest.TempPathFactory) -> str:
    return scoring_sql(DbtRunner(tmp_path_factory.mktemp("clv_compile")))


def run_scoring(sql: str, inputs: pd.DataFrame) -> pd.DataFrame:
    """The compiled scoring query on `inputs`, in an in-memory DuckDB."""
    con = duckdb.connect()
    try:
        con.register("inputs_frame", inputs)
        con.execute("create table clv_test_inputs as select * from inputs_frame")
        return con.execute(sql).df()
    finally:
        con.close()


@pytest.mark.dbt
def test_sql_scoring_equals_python_to_1e_9(compiled_scoring: str) -> None:
    grid = []
    for (r, alpha, a, b), x, age, horizon in itertools.product(
        # CDNOW in days; a > 2 (the second rho); a + b < 1 (negative lower parameter at x = 0);
        # r > a + b - 1 (negative upper parameter); a demo-like fit
        [(0.243, 30.9, 0.793, 2.426), (1.5, 5.0, 2.5, 0.6), (0.3, 200.0, 0.3, 0.5), (8.0, 3.0, 1.3, 9.0),
         (1.14, 26.9, 0.46, 7.0)],
        [0, 1, 2, 7, 50, 300],
        [0, 1, 30, 272, 1500],
        [30.0, 90.0, 365.0 / 12 * 7, 365.0],
    ):  # fmt: skip
        if x > age:
            continue
        t_x = 0 if x == 0 else max(x, int(age * 0.6))
        grid.append((len(grid), x, t_x, age, horizon, r, alpha, a, b))
    inputs = pd.DataFrame(
        grid,
        columns=["row_id", "frequency", "recency_days", "age_days", "horizon_days", "r", "alpha", "a", "b"],
    )
    inputs = inputs.astype({"frequency": "int64", "recency_days": "int32", "age_days": "int32"})
    scored = run_scoring(compiled_scoring, inputs)
    assert len(scored) == len(inputs)
    worst = 0.0
    for row, sql_row in zip(inputs.itertuples(), scored.itertuples(), strict=True):
        params = {"r": row.r, "alpha": row.alpha, "a": row.a, "b": row.b}
        args = (row.frequency, row.recency_days, row.age_days)
        twin = clv.expected_purchases_series(params, row.horizon_days, *args)
        reference = clv.expected_purchases(params, row.horizon_days, *args)
        assert abs(sql_row.expected_purchases - twin) < 1e-9, (row, sql_row)
        assert sql_row.expected_purchases == pytest.approx(reference, rel=1e-9, abs=1e-9), (row, sql_row)
        assert abs(sql_row.p_alive - clv.p_alive(params, *args)) < 1e-12
        worst = max(worst, abs(sql_row.expected_purchases - reference))
    assert worst < 1e-9


@pytest.mark.dbt
def test_sql_scoring_gives_the_spreadsheet_value(compiled_scoring: str) -> None:
    inputs = pd.DataFrame([{"row_id": 1, **SPREADSHEET_DAYS, **PUBLISHED_BG_NBD_WEEKS, "alpha": 4.414 * 7}])
    scored = run_scoring(compiled_scoring, inputs)
    assert round(float(scored["expected_purchases"].iloc[0]), 3) == SPREADSHEET_VALUE


# --- the CDNOW sample, end to end ---------------------------------------------------------------


def build_cdnow(tmp_path: Path, as_of: str, **extra_vars: object) -> DbtRunner:
    """The CDNOW sample imported and built (the CLV models and what they read) as of `as_of`;
    $0 lines are purchases, as in the literature."""
    if not CDNOW_SAMPLE.is_file():
        pytest.skip(f"CDNOW sample not found at {CDNOW_SAMPLE} (set CDNOW_SOURCE to its path)")
    convert(CDNOW_SAMPLE, tmp_path / "raw")
    runner = DbtRunner(tmp_path / "build")
    dbt_vars = {
        "raw_data_path": str(tmp_path / "raw"),
        "as_of_date": as_of,
        "zero_price_purchases": "keep",
        **extra_vars,
    }
    result = runner.run(
        "build",
        "--select",
        "+clv_scores",
        "+clv_evaluation",
        "+clv_evaluation_by_frequency",
        dbt_vars=dbt_vars,
    )
    assert result.returncode == 0, result.output[-4000:]
    return runner


def fitted(runner: DbtRunner, fit_role: str) -> dict[str, float]:
    rows = runner.query(
        "select parameter_name, parameter_value from marts.clv_model "
        "where fit_role = ? and model_status = 'fitted'",
        [fit_role],
    )
    return dict(rows)


@pytest.mark.dbt
def test_cdnow_calibration_to_1997_09_30_reproduces_the_published_fit(
    tmp_path: Path, compiled_scoring: str
) -> None:
    runner = build_cdnow(tmp_path, "1997-09-30")
    params = fitted(runner, "serving")
    for name, value in {**PUBLISHED_BG_NBD_DAYS, **PUBLISHED_GAMMA_GAMMA}.items():
        assert significant(params[name]) == significant(value), (name, params[name], value)
    customers, log_likelihood, repeats = runner.query(
        "select max(customers), max(log_likelihood), "
        "(select sum(frequency) from marts.clv_scores) from marts.clv_model "
        "where fit_role = 'serving' and model_name = 'bg_nbd'"
    )[0]
    assert customers == 2357 and repeats == 2457
    # days to weeks: ln L_weeks = ln L_days + ln 7 times the repeat transactions
    assert round(log_likelihood + repeats * math.log(7), 1) == PUBLISHED_LOG_LIKELIHOOD_WEEKS
    gamma_gamma_customers = runner.query(
        "select max(customers) from marts.clv_model where fit_role = 'serving' and model_name = 'gamma_gamma'"
    )[0][0]
    assert gamma_gamma_customers == 946
    # the spreadsheet's customer through the SQL scoring path, with the fitted parameters
    inputs = pd.DataFrame(
        [{"row_id": 1, **SPREADSHEET_DAYS, **{k: params[k] for k in clv.BG_NBD_PARAMETERS}}]
    )
    value = float(run_scoring(compiled_scoring, inputs)["expected_purchases"].iloc[0])
    assert round(value, 3) == SPREADSHEET_VALUE
    # and what clv_scores serves equals the Python reference for every customer
    scores = runner.query(
        "select frequency, recency_days, age_days, repeat_transaction_value, p_alive, "
        "expected_purchases_30d, expected_purchases_365d, expected_transaction_value, clv_12m "
        "from marts.clv_scores order by user_key"
    )
    month_ends = [m * 365 / 12 for m in range(13)]  # month m ends m x 365 / 12 days after as_of
    for x, t_x, age, mean_value, alive, e30, e365, value, clv_12m in scores:
        assert alive == pytest.approx(clv.p_alive(params, x, t_x, age), abs=1e-12)
        assert e30 == pytest.approx(clv.expected_purchases(params, 30, x, t_x, age), abs=1e-9)
        assert e365 == pytest.approx(clv.expected_purchases(params, 365, x, t_x, age), abs=1e-9)
        expected_value = clv.expected_transaction_value(params, x, mean_value)
        assert value == pytest.approx(expected_value, rel=1e-12)
        by_month = [0.0] + [clv.expected_purchases(params, t, x, t_x, age) for t in month_ends[1:]]
        discounted = sum((by_month[m] - by_month[m - 1]) / 1.01**m for m in range(1, 13))
        assert clv_12m == pytest.approx(discounted * expected_value, rel=1e-9, abs=1e-9)


@pytest.mark.dbt
def test_cdnow_backtest_over_the_published_holdout(tmp_path: Path) -> None:
    """As of 1998-06-30 with a 273-day holdout the backtest fit is the published calibration
    fit, and its conditional expectations track what happened (the paper's figure 4)."""
    runner = build_cdnow(tmp_path, "1998-06-30", clv_holdout_days=273)
    params = fitted(runner, "backtest")
    for name, value in PUBLISHED_BG_NBD_DAYS.items():
        assert significant(params[name]) == significant(value)
    rows = runner.query(
        "select frequency_bucket, customers, mean_predicted_transactions, mean_actual_transactions "
        "from marts.clv_evaluation_by_frequency order by frequency_bucket"
    )
    assert [r[0] for r in rows] == list(range(8)) and sum(r[1] for r in rows) == 2357
    for _, customers, predicted, actual in rows:
        # within 0.5 transactions per person (a sampling margin the paper's figure shows too)
        assert abs(predicted - actual) < 0.5 + 2 / math.sqrt(customers), rows
    evaluation = {r[0]: r[1:] for r in runner.query(
        "select model_name, transactions_rmse, revenue_rmse, is_value_champion from marts.clv_evaluation"
    )}  # fmt: skip
    assert evaluation["bg_nbd_gamma_gamma"][0] < evaluation["last_period_rate"][0]
    assert evaluation["bg_nbd_gamma_gamma"][0] < evaluation["zero"][0]
    assert sum(1 for v in evaluation.values() if v[2]) == 1
    assert_evaluation_matches_its_definitions(runner)


def assert_evaluation_matches_its_definitions(runner: DbtRunner) -> None:
    """clv_evaluation and clv_evaluation_by_frequency recomputed with pandas from the
    per-person holdout predictions; the value champion by its rule (lower revenue RMSE)."""
    people = pd.DataFrame(
        runner.query(
            "select frequency, model_transactions, model_value, last_period_transactions, "
            "last_period_value, holdout_transactions, holdout_value "
            "from intermediate.int_clv_holdout_predictions"
        ),
        columns=["x", "model_t", "model_v", "last_t", "last_v", "actual_t", "actual_v"],
    ).astype(float)
    people = people.assign(zero_t=0.0, zero_v=0.0)
    rows = runner.query(
        "select model_name, customers, predicted_transactions, actual_transactions, transactions_mae, "
        "transactions_rmse, transactions_correlation, predicted_revenue, actual_revenue, revenue_mae, "
        "revenue_rmse, revenue_correlation, is_value_champion from marts.clv_evaluation"
    )
    prefix = {"bg_nbd_gamma_gamma": "model", "last_period_rate": "last", "zero": "zero"}
    rmse = {}
    for name, customers, *figures, _ in rows:
        expected = [len(people)]
        for kind in ("t", "v"):
            predicted, actual = people[f"{prefix[name]}_{kind}"], people[f"actual_{kind}"]
            error = predicted - actual
            correlation = None if predicted.std() == 0 else float(np.corrcoef(predicted, actual)[0, 1])
            expected += [
                predicted.sum(),
                actual.sum(),
                error.abs().mean(),
                math.sqrt((error**2).mean()),
                correlation,
            ]
        got = [customers, *figures]
        # a constant prediction (zero) has no correlation: NULL in the table, None here
        assert [i for i, v in enumerate(got) if v is None] == [i for i, v in enumerate(expected) if v is None]
        numbers = [(g, e) for g, e in zip(got, expected, strict=True) if e is not None]
        assert [g for g, _ in numbers] == pytest.approx([e for _, e in numbers], rel=1e-9, abs=1e-9), name
        rmse[name] = expected[-2]
    winner = (
        "bg_nbd_gamma_gamma" if rmse["bg_nbd_gamma_gamma"] < rmse["last_period_rate"] else "last_period_rate"
    )
    assert [name for name, *_, champion in rows if champion] == [winner]
    buckets = runner.query(
        "select frequency_bucket, customers, mean_predicted_transactions, mean_last_period_transactions, "
        "mean_actual_transactions from marts.clv_evaluation_by_frequency order by frequency_bucket"
    )
    grouped = people.assign(bucket=people["x"].clip(upper=7)).groupby("bucket")
    expected_buckets = [
        (bucket, len(group), group["model_t"].mean(), group["last_t"].mean(), group["actual_t"].mean())
        for bucket, group in grouped
    ]
    for row, expected in zip(buckets, expected_buckets, strict=True):
        assert list(row) == pytest.approx(list(expected), rel=1e-12)


@pytest.mark.dbt
def test_clv_scores_fall_back_with_a_status_when_few_repeat_buyers(tmp_path: Path) -> None:
    runner = build_cdnow(tmp_path, "1997-09-30", clv_min_repeat_customers=100_000)
    statuses = runner.query("select distinct model_status from marts.clv_model")
    assert statuses == [("too_few_repeat_customers",)]
    counts = runner.query("select count(*), count(p_alive), count(clv_12m) from marts.clv_scores")
    assert counts == [(2357, 0, 0)]
    assert runner.query("select count(*) from marts.clv_scores where clv_tier != 'no_value'") == [(0,)]
    champion = runner.query("select model_name from marts.clv_evaluation where is_value_champion")
    assert champion == [("last_period_rate",)]


def test_analytic_gradients_match_finite_differences() -> None:
    x = np.array([0.0, 1.0, 4.0, 12.0])
    t_x = np.array([0.0, 35.0, 200.0, 260.0])
    age = np.array([100.0, 150.0, 270.0, 270.0])
    m = np.array([10.0, 25.0, 40.0, 12.5])
    cases = [
        (clv.bg_nbd_log_likelihood, clv.bg_nbd_gradient, np.array([0.3, 35.0, 0.8, 2.0]), (x, t_x, age)),
        (
            clv.gamma_gamma_log_likelihood,
            clv.gamma_gamma_gradient,
            np.array([6.0, 3.7, 15.0]),
            (x[1:], m[1:]),
        ),
    ]
    for log_likelihood, gradient, params, data in cases:
        analytic = gradient(params, *data).sum(axis=0)
        numeric = [
            (log_likelihood(params + step, *data).sum() - log_likelihood(params - step, *data).sum())
            / (2 * h)
            for h, step in (
                (params[j] * 1e-6, np.eye(len(params))[j] * params[j] * 1e-6) for j in range(len(params))
            )
        ]
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.dbt
def test_customer_value_serves_the_value_champion(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = shared_build
    ((champion,),) = runner.query("select model_name from marts.clv_evaluation where is_value_champion")
    assert champion == "bg_nbd_gamma_gamma"  # the demo shop's backtest (README)
    methods = runner.query("select distinct expected_value_method from marts.customer_value")
    assert methods == [("bg_nbd_gamma_gamma",)]
    mismatches = runner.query(
        "select count(*) from marts.customer_value as v left join marts.clv_scores as s using (user_key) "
        "where v.expected_12m_revenue != cast(greatest(coalesce(s.clv_12m, 0), 0) as decimal(18, 4)) "
        "or v.clv_12m is distinct from s.clv_12m or v.p_alive is distinct from s.p_alive"
    )
    assert mismatches == [(0,)]
    assert runner.query("select count(*) from marts.customer_value where clv_12m > 0")[0][0] > 1000
