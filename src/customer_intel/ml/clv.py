"""Customer lifetime value: the BG/NBD purchase model and the Gamma-Gamma spend model.

The dbt Python model `clv_model` fits both by maximum likelihood (time unit: days) on the
customer-base summary of `int_clv_customer_base` and writes the parameters as a long table; the
SQL models score every person with the closed forms below (the hypergeometric series of
`expected_purchases` as a bounded sum of terms, macros `clv_series_sum` and
`clv_expected_purchases`).

References: Fader, Hardie and Lee (2005a), "Counting Your Customers the Easy Way: An Alternative
to the Pareto/NBD Model", Marketing Science 24(2) (likelihood eq. 6, P(alive) eq. 13, expected
purchases eq. 10); Fader, Hardie and Lee (2005b), "RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis", JMR 42(4), and Fader and Hardie (2013), "The Gamma-Gamma Model of
Monetary Value" (likelihood and conditional expected spend).

Per person: x = repeat transactions (days with a purchase after the first purchase day),
t_x = days from the first to the last purchase day, T = days from the first purchase day to the
calibration end, m = mean net value of the repeat transactions.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

from customer_intel.ml.relations import aggregate, order_by, select, to_pandas, where

BG_NBD_PARAMETERS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMETERS = ("p", "q", "gamma")
TIME_UNIT = "day"
# starting points of the optimiser, in the model's natural parameters (days for alpha); the
# best converged optimum wins, so a bad start costs time, never the answer
BG_NBD_STARTS = ((1.0, 1.0, 1.0, 1.0), (0.5, 30.0, 0.8, 2.5), (2.0, 100.0, 0.2, 5.0), (0.2, 5.0, 2.0, 0.5))
GAMMA_GAMMA_STARTS = ((1.0, 1.0, 1.0), (5.0, 3.0, 15.0), (2.0, 10.0, 100.0))
# convergence: the optimiser reports success and the gradient of the mean log-likelihood in the
# log-parameters is this small at the optimum
GRADIENT_TOLERANCE = 1e-4
SUMMARY_COLUMNS = ("frequency", "recency_days", "age_days")
SPEND_COLUMNS = ("frequency", "repeat_transaction_value")


class ClvInputError(ValueError):
    """The summary frame cannot be used (missing columns, impossible values)."""


@dataclass(frozen=True)
class ClvFit:
    """One maximum-likelihood fit: status `fitted` or a documented fallback."""

    model_name: str
    parameters: dict[str, float]
    log_likelihood: float
    customers: int
    status: str
    starts_converged: int


def _weights(frame: pd.DataFrame) -> np.ndarray:
    """The customers each summary row stands for (1 per row without a `customers` column)."""
    if "customers" in frame.columns:
        return frame["customers"].to_numpy(dtype=float)
    return np.ones(len(frame))


def check_summary(frame: pd.DataFrame) -> None:
    """Fail with a clear message when a customer-base summary has missing columns, NULLs or
    impossible values: it needs x >= 0 and 0 <= t_x <= T, and t_x > 0 when x > 0 (repeat days
    come after the first day)."""
    missing = [c for c in SUMMARY_COLUMNS if c not in frame.columns]
    if missing:
        raise ClvInputError(f"customer-base summary lacks columns {missing}")
    x = frame["frequency"].to_numpy(dtype=float)
    t_x = frame["recency_days"].to_numpy(dtype=float)
    age = frame["age_days"].to_numpy(dtype=float)
    if np.isnan(x).any() or np.isnan(t_x).any() or np.isnan(age).any():
        raise ClvInputError("customer-base summary has NULL frequency, recency or age")
    if (x < 0).any() or (t_x < 0).any() or (t_x > age).any() or ((x > 0) & (t_x <= 0)).any():
        raise ClvInputError(
            "customer-base summary breaks 0 <= recency <= age, or has repeats without recency"
        )


def _bg_nbd_branches(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """ln A3 (the person is still active) and ln A4 (they dropped out after their last
    purchase; -inf without repeats) of the BG/NBD likelihood, per row."""
    r, alpha, a, b = params
    stays = -(r + x) * np.log(alpha + age)
    repeat = x > 0
    drops = np.full_like(stays, -np.inf)
    drops[repeat] = np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    return stays, drops


def bg_nbd_log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Per-row BG/NBD log-likelihood (Fader, Hardie and Lee 2005a, eq. 6) at params
    (r, alpha, a, b), computed as ln(A1 A2) + ln(A3 + A4) with a log-sum-exp."""
    r, alpha, a, b = params
    common = (
        special.gammaln(r + x)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    return common + np.logaddexp(*_bg_nbd_branches(params, x, t_x, age))


def gamma_gamma_log_likelihood(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Per-row Gamma-Gamma log-likelihood of the mean repeat-transaction value m over x
    transactions (x > 0, m > 0) at params (p, q, gamma)."""
    p, q, gamma = params
    px = p * x
    return (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + m * x)
    )


def bg_nbd_gradient(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Per-row gradient of bg_nbd_log_likelihood with respect to (r, alpha, a, b), one column
    per parameter. With L = ln(e^A3 + e^A4), the two branches weigh in by w3 = e^(A3 - L) and
    w4 = e^(A4 - L)."""
    r, alpha, a, b = params
    stays, drops = _bg_nbd_branches(params, x, t_x, age)
    total = np.logaddexp(stays, drops)
    w_stays, w_drops = np.exp(stays - total), np.exp(drops - total)
    safe_b = np.where(x > 0, b + x - 1, 1.0)  # b + x - 1 only matters where x > 0
    d_r = (
        special.digamma(r + x) - special.digamma(r) + np.log(alpha)
        - w_stays * np.log(alpha + age) - w_drops * np.log(alpha + t_x)
    )  # fmt: skip
    d_alpha = r / alpha - w_stays * (r + x) / (alpha + age) - w_drops * (r + x) / (alpha + t_x)
    d_a = special.digamma(a + b) - special.digamma(a + b + x) + w_drops / a
    d_b = (
        special.digamma(a + b) + special.digamma(b + x) - special.digamma(b) - special.digamma(a + b + x)
        - w_drops / safe_b
    )  # fmt: skip
    return np.column_stack([d_r, d_alpha, d_a, d_b])


def gamma_gamma_gradient(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Per-row gradient of gamma_gamma_log_likelihood with respect to (p, q, gamma)."""
    p, q, gamma = params
    px = p * x
    shared = special.digamma(px + q)
    d_p = x * (shared - special.digamma(px) + np.log(m) + np.log(x) - np.log(gamma + m * x))
    d_q = shared - special.digamma(q) + np.log(gamma) - np.log(gamma + m * x)
    d_gamma = q / gamma - (px + q) / (gamma + m * x)
    return np.column_stack([d_p, d_q, d_gamma])


def _maximise(
    log_likelihood: Any, gradient: Any, starts: tuple[tuple[float, ...], ...], weights: np.ndarray
) -> tuple[np.ndarray, float, int]:
    """Maximum of the weighted log-likelihood over log-parameters from several starts:
    (parameters, log-likelihood, number of starts that converged). Parameters are NaN when no
    start converged. `gradient` gives the per-row derivatives in the natural parameters; the
    chain rule turns them into derivatives in the log-parameters (theta d/d theta)."""
    total = float(weights.sum())

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        with np.errstate(all="ignore"):
            value = float(np.dot(weights, log_likelihood(params)))
            slope = weights @ gradient(params) * params
        if not np.isfinite(value) or not np.all(np.isfinite(slope)):
            return 1e100, np.zeros_like(log_params)
        return -value / total, -slope / total

    best: tuple[np.ndarray, float] | None = None
    converged = 0
    for start in starts:
        result = optimize.minimize(
            objective,
            np.log(np.array(start)),
            jac=True,
            method="L-BFGS-B",
            bounds=[(-20.0, 20.0)] * len(start),
            options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10},
        )
        at_bound = np.any(np.abs(result.x) >= 20.0 - 1e-6)
        if not np.isfinite(result.fun) or result.fun >= 1e99 or at_bound:
            continue
        if np.max(np.abs(objective(result.x)[1])) > GRADIENT_TOLERANCE:
            continue
        converged += 1
        if best is None or result.fun < best[1] - 1e-12:
            best = (result.x, float(result.fun))
    if best is None:
        return np.full(len(starts[0]), np.nan), float("nan"), 0
    return np.exp(best[0]), -best[1] * total, converged


def fit_bg_nbd(summary: pd.DataFrame, min_repeat_customers: int) -> ClvFit:
    """BG/NBD by maximum likelihood on a customer-base summary (one row per person, or per
    distinct (frequency, recency_days, age_days) with `customers`). Fallbacks: `no_customers`,
    `too_few_repeat_customers` (fewer repeat buyers than min_repeat_customers: nothing to learn
    dropout from), `not_converged` (no start converged); parameters are NaN then."""
    check_summary(summary)
    weights = _weights(summary)
    customers = int(weights.sum())
    x = summary["frequency"].to_numpy(dtype=float)
    t_x = summary["recency_days"].to_numpy(dtype=float)
    age = summary["age_days"].to_numpy(dtype=float)
    status = _data_status(customers, int(weights[x > 0].sum()), min_repeat_customers)
    if status != "fitted":
        return _fallback("bg_nbd", BG_NBD_PARAMETERS, customers, status)
    params, log_lik, converged = _maximise(
        lambda p: bg_nbd_log_likelihood(p, x, t_x, age),
        lambda p: bg_nbd_gradient(p, x, t_x, age),
        BG_NBD_STARTS,
        weights,
    )
    if converged == 0:
        return _fallback("bg_nbd", BG_NBD_PARAMETERS, customers, "not_converged")
    fitted = dict(zip(BG_NBD_PARAMETERS, map(float, params), strict=True))
    return ClvFit("bg_nbd", fitted, log_lik, customers, "fitted", converged)


def fit_gamma_gamma(spend: pd.DataFrame, min_repeat_customers: int) -> ClvFit:
    """Gamma-Gamma by maximum likelihood on the repeat buyers with a positive mean repeat value
    (one row per person: `frequency`, `repeat_transaction_value`). Fallbacks as for BG/NBD, and
    `no_finite_mean` when q <= 1 (the population mean spend p gamma / (q - 1) does not exist)."""
    missing = [c for c in SPEND_COLUMNS if c not in spend.columns]
    if missing:
        raise ClvInputError(f"spend frame lacks columns {missing}")
    usable = spend[(spend["frequency"] > 0) & (spend["repeat_transaction_value"] > 0)]
    x = usable["frequency"].to_numpy(dtype=float)
    m = usable["repeat_transaction_value"].to_numpy(dtype=float)
    customers = len(usable)
    status = _data_status(customers, customers, min_repeat_customers)
    if status != "fitted":
        return _fallback("gamma_gamma", GAMMA_GAMMA_PARAMETERS, customers, status)
    params, log_lik, converged = _maximise(
        lambda p: gamma_gamma_log_likelihood(p, x, m),
        lambda p: gamma_gamma_gradient(p, x, m),
        GAMMA_GAMMA_STARTS,
        np.ones(customers),
    )
    if converged == 0:
        return _fallback("gamma_gamma", GAMMA_GAMMA_PARAMETERS, customers, "not_converged")
    fitted = dict(zip(GAMMA_GAMMA_PARAMETERS, map(float, params), strict=True))
    status = "fitted" if fitted["q"] > 1 else "no_finite_mean"
    return ClvFit("gamma_gamma", fitted, log_lik, customers, status, converged)


def _data_status(customers: int, repeat_customers: int, min_repeat_customers: int) -> str:
    """`fitted` when there is enough data to try, else the fallback status."""
    if customers == 0:
        return "no_customers"
    if repeat_customers < max(min_repeat_customers, 1):
        return "too_few_repeat_customers"
    return "fitted"


def _fallback(model_name: str, names: tuple[str, ...], customers: int, status: str) -> ClvFit:
    """A fit that did not happen: NaN parameters and log-likelihood, with its status."""
    return ClvFit(model_name, dict.fromkeys(names, float("nan")), float("nan"), customers, status, 0)


def _log_dropout_odds_term(params: dict[str, float], x: float, t_x: float, age: float) -> float:
    """ln(1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)): the log of
    1 / P(alive), shared by P(alive) and the expected purchases (log space: the power overflows
    for frequent buyers who stopped long ago)."""
    if x == 0:
        return 0.0
    r, alpha, a, b = (params[k] for k in BG_NBD_PARAMETERS)
    log_odds = math.log(a) - math.log(b + x - 1) + (r + x) * math.log((alpha + age) / (alpha + t_x))
    return float(np.logaddexp(0.0, log_odds))


def p_alive(params: dict[str, float], x: float, t_x: float, age: float) -> float:
    """P(the person has not dropped out | x, t_x, T) (Fader, Hardie and Lee 2005a, eq. 13)."""
    return math.exp(-_log_dropout_odds_term(params, x, t_x, age))


def expected_purchases(params: dict[str, float], horizon: float, x: float, t_x: float, age: float) -> float:
    """E[transactions in the next `horizon` days | x, t_x, T] (Fader, Hardie and Lee 2005a,
    eq. 10), with scipy's Gauss hypergeometric function: the reference the SQL series is
    checked against."""
    r, alpha, a, b = (params[k] for k in BG_NBD_PARAMETERS)
    z = horizon / (alpha + age + horizon)
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    bracket = 1.0 - math.exp((r + x) * math.log((alpha + age) / (alpha + age + horizon))) * hyp
    return (a + b + x - 1) / (a - 1) * bracket * p_alive(params, x, t_x, age)


SERIES_TOLERANCE = 1e-12  # absolute error allowed in an expected number of purchases
# candidate term counts K + ceil(GRID_GROWTH^j) - 1, j < GRID_STEPS (1.25^160 is about 3e15)
GRID_GROWTH = 1.25
GRID_STEPS = 160


def _log_abs_pochhammer(q: float, k: np.ndarray) -> np.ndarray:
    """ln |(q)_k| = ln|Gamma(q + k)| - ln|Gamma(q)| (gammaln is ln|Gamma| for negative q too)."""
    return special.gammaln(q + k) - special.gammaln(q)


def _sign_pochhammer(q: float, k: np.ndarray) -> np.ndarray:
    """Sign of (q)_k = q (q+1) ... (q+k-1): minus for each negative factor."""
    negative_factors = np.minimum(k, max(0, math.ceil(-q)))
    return np.where(negative_factors % 2 == 1, -1.0, 1.0)


@dataclass(frozen=True)
class SeriesPlan:
    """The series S = 2F1(a+b-1-r, a-1; a+b+x-1; z) = sum of T_k, k = 0 .. terms - 1."""

    upper_1: float  # a + b - 1 - r
    upper_2: float  # a - 1
    lower: float  # a + b + x - 1
    z: float
    terms: int


def series_plan(
    x: float, z: float, r: float, a: float, b: float, tolerance: float = SERIES_TOLERANCE
) -> SeriesPlan:
    """How many terms of S to sum so that an expected number of purchases is off by less than
    `tolerance` (the rule the SQL macro `clv_expected_purchases` uses).

    BG/NBD's expected purchases need 2F1(r+x, b+x; a+b+x-1; z). Euler's transformation turns
    (1-z)^(r+x) 2F1(r+x, b+x; c; z) into (1-z)^(a-1) S with S as above: its lower parameter grows
    with x while the upper ones do not, so its terms fall fast for frequent buyers (the direct
    series needs thousands of terms at x = 50, z = 0.95; S needs a few dozen). Its terms keep one
    sign once every factor is positive (k >= K0).

    The term ratio is z (u1+k)/(c+k) (u2+k)/(1+k). From K0 on, every factor is positive and
    each fraction is monotone in k with limit 1; the first is at most 1 (u1 <= c), the second is
    at most 1 when a <= 2. So every ratio from K on is at most rho, with rho = z and K = K0 when
    a <= 2, else rho = z^(1/2) and K the first index >= K0 with z (u2+K)/(1+K) <= rho. The terms
    after N >= K then sum to at most |T_N| / (1 - rho) <= |T_K| rho^(N-K) / (1 - rho). An error
    e in S moves the expected purchases by at most |c / (a-1)| (1-z)^(a-1) e, which fixes the
    error S may have. N is the first of K + ceil(1.25^j) - 1, j = 0, 1, ..., whose |T_N| meets
    the bound (a few lgamma calls, no sum), or the count the second bound guarantees: for
    frequent buyers the terms fall much faster than rho^k (x = 200, z = 0.95: 10 terms, not 623)."""
    upper_1, upper_2, lower = a + b - 1 - r, a - 1, a + b + x - 1
    if z <= 0:
        return SeriesPlan(upper_1, upper_2, lower, z, 1)
    lowest = min(upper_1, upper_2, lower)
    k0 = math.floor(-lowest) + 1 if lowest <= 0 else 0
    if a <= 2:
        rho, k = z, k0
    else:
        rho = math.sqrt(z)
        k = max(k0, math.ceil((a - 2) / (1 / rho - 1) - 1))
    limit = (  # |T_n| at most this from n >= K on: the terms after n add up to less than allowed
        math.log(tolerance) + math.log(abs(upper_2)) - math.log(abs(lower)) - upper_2 * math.log(1 - z)
        + math.log(1 - rho)
    )  # fmt: skip

    def log_term(n: int) -> float:
        nn = np.array([float(n)])
        return float(
            _log_abs_pochhammer(upper_1, nn)[0] + _log_abs_pochhammer(upper_2, nn)[0]
            - _log_abs_pochhammer(lower, nn)[0] - special.gammaln(n + 1.0) + n * math.log(z)
        )  # fmt: skip

    # a bound from K alone: |T_n| <= |T_K| rho^(n-K)
    bound = k + max(math.ceil((limit - log_term(k)) / math.log(rho)), 1)
    # usually far fewer: the first n = K + ceil(1.25^j) - 1 below the bound whose own |T_n| is
    # small enough (at most a quarter more terms than the smallest n that would do)
    for j in range(GRID_STEPS):
        n = k + math.ceil(GRID_GROWTH**j) - 1
        if n >= bound:
            break
        if log_term(n) <= limit:
            return SeriesPlan(upper_1, upper_2, lower, z, max(n, 1))
    return SeriesPlan(upper_1, upper_2, lower, z, bound)


def series_sum(plan: SeriesPlan) -> float:
    """S summed term by term in log space with signs, as the SQL macro does."""
    if plan.z <= 0:
        return 1.0
    k = np.arange(plan.terms, dtype=float)
    log_abs = (
        _log_abs_pochhammer(plan.upper_1, k)
        + _log_abs_pochhammer(plan.upper_2, k)
        - _log_abs_pochhammer(plan.lower, k)
        - special.gammaln(k + 1)
        + k * math.log(plan.z)
    )
    sign = (
        _sign_pochhammer(plan.upper_1, k)
        * _sign_pochhammer(plan.upper_2, k)
        * _sign_pochhammer(plan.lower, k)
    )
    return float(np.sum(sign * np.exp(log_abs)))


def expected_purchases_series(
    params: dict[str, float], horizon: float, x: float, t_x: float, age: float
) -> float:
    """expected_purchases through the transformed series (the SQL path, in Python)."""
    r, alpha, a, b = (params[k] for k in BG_NBD_PARAMETERS)
    z = horizon / (alpha + age + horizon)
    plan = series_plan(x, z, r, a, b)
    bracket = 1.0 - math.exp((a - 1) * math.log1p(-z)) * series_sum(plan)
    return (a + b + x - 1) / (a - 1) * bracket * p_alive(params, x, t_x, age)


def expected_transaction_value(params: dict[str, float], x: float, mean_value: float | None) -> float:
    """Gamma-Gamma E[value of a transaction | x repeat transactions with mean value m]:
    (gamma + m x) p / (p x + q - 1); the population mean p gamma / (q - 1) when x = 0. A mean
    of 0 or less (refunds outweigh purchases), or none, counts as 0 (as the SQL macro does)."""
    p, q, gamma = (params[k] for k in GAMMA_GAMMA_PARAMETERS)
    m = 0.0 if mean_value is None or math.isnan(mean_value) else max(mean_value, 0.0)
    return (gamma + m * x) * p / (p * x + q - 1)


def clv_model_version(fits: list[ClvFit], calibration_end: Any) -> str:
    """A version derived from the fitted numbers, the data size and the calibration end."""
    payload = json.dumps(
        {
            "calibration_end": str(calibration_end),
            "fits": [
                {
                    "model": f.model_name,
                    "status": f.status,
                    "customers": f.customers,
                    "parameters": {
                        k: None if math.isnan(v) else round(v, 10) for k, v in f.parameters.items()
                    },
                }
                for f in fits
            ],
        },
        sort_keys=True,
    )
    return "clv-" + hashlib.sha256(payload.encode()).hexdigest()[:12]


FIT_ROLES = {"backtest": "calibration", "serving": "current"}
CLV_MODEL_COLUMNS = (
    "fit_role",
    "model_name",
    "parameter_name",
    "parameter_value",
    "log_likelihood",
    "customers",
    "calibration_end_date",
    "time_unit",
    "model_status",
    "starts_converged",
    "model_version",
)


def clv_model_table(summary: pd.DataFrame, spend: pd.DataFrame, min_repeat_customers: int) -> pd.DataFrame:
    """Both fits of both models in long form, one row per fit role, model and parameter.

    summary: per snapshot role (`calibration`, `current`), the distinct (frequency, recency_days,
    age_days) with `customers` and the role's `calibration_end_date`; spend: per snapshot role
    and repeat buyer, `frequency` and `repeat_transaction_value`. The fit role `backtest` learns
    on `calibration` (data up to as_of - clv_holdout_days), `serving` on `current`."""
    rows: list[dict[str, object]] = []
    for fit_role, snapshot_role in FIT_ROLES.items():
        base = summary[summary["snapshot_role"] == snapshot_role]
        buyers = spend[spend["snapshot_role"] == snapshot_role]
        dates = base["calibration_end_date"].dropna()
        calibration_end = pd.Timestamp(dates.iloc[0]) if len(dates) else pd.NaT
        fits = [fit_bg_nbd(base, min_repeat_customers), fit_gamma_gamma(buyers, min_repeat_customers)]
        version = clv_model_version(fits, calibration_end)
        for fit in fits:
            for name, value in fit.parameters.items():
                rows.append(
                    {
                        "fit_role": fit_role,
                        "model_name": fit.model_name,
                        "parameter_name": name,
                        "parameter_value": None if math.isnan(value) else value,
                        "log_likelihood": None if math.isnan(fit.log_likelihood) else fit.log_likelihood,
                        "customers": fit.customers,
                        "calibration_end_date": calibration_end,
                        "time_unit": TIME_UNIT,
                        "model_status": fit.status,
                        "starts_converged": fit.starts_converged,
                        "model_version": version,
                    }
                )
    table = pd.DataFrame(rows, columns=list(CLV_MODEL_COLUMNS))
    table = table.assign(
        parameter_value=table["parameter_value"].astype("float64"),
        log_likelihood=table["log_likelihood"].astype("float64"),
        customers=table["customers"].astype("int64"),
        starts_converged=table["starts_converged"].astype("int64"),
        calibration_end_date=pd.to_datetime(table["calibration_end_date"]),
    )
    text = ["fit_role", "model_name", "parameter_name", "time_unit", "model_status", "model_version"]
    return table.astype(dict.fromkeys(text, "string"))


def summary_frame(customer_base: Any) -> pd.DataFrame:
    """From the relation int_clv_customer_base (DuckDB or Spark): per snapshot role, the
    distinct (frequency, recency_days, age_days) with how many people have them, and the role's
    calibration end date. The BG/NBD likelihood depends on nothing else, so this is all of the
    base that leaves the warehouse (a few thousand rows for a hundred thousand people), sorted
    so the fit sums in the same order on every run and engine."""
    grouped = aggregate(
        customer_base,
        ["snapshot_role", "calibration_end_date", "frequency", "recency_days", "age_days"],
        ["count(*) as customers"],
    )
    frame = to_pandas(order_by(grouped, ["snapshot_role", "frequency", "recency_days", "age_days"]))
    return frame.assign(calibration_end_date=pd.to_datetime(frame["calibration_end_date"]))


def spend_frame(customer_base: Any) -> pd.DataFrame:
    """From the relation int_clv_customer_base (DuckDB or Spark): the repeat buyers' snapshot
    role, frequency and mean repeat-transaction value (one row per repeat buyer, two numbers
    each), in a fixed order."""
    buyers = select(
        where(customer_base, "frequency > 0"),
        ["snapshot_role", "user_key", "frequency", "repeat_transaction_value"],
    )
    return to_pandas(order_by(buyers, ["snapshot_role", "user_key"])).drop(columns=["user_key"])
