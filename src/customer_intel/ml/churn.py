"""Churn-risk linear candidates: logistic regressions fitted on one snapshot, exported as a table.

Pure functions on pandas frames; the dbt Python model `churn_model` is a thin wrapper around
`churn_model_table` of `training_frame` (only the training rows and the columns the models read
leave the warehouse, DuckDB or Spark, through customer_intel.ml.relations). Scoring happens in
SQL (`int_churn_predictions`, `churn_scores`) from the exported intercept, coefficients and
scaling, so the model is inspectable and scales with the warehouse.

Two fits of the same recipe (FIT_ROLES), each on its own snapshots of `int_churn_snapshots`:
- `backtest`: trained on the `train` snapshot (as_of - 2H, labels end at as_of - H), scored on
  the `eval` snapshot, whose labels it never saw: the out-of-time evaluation;
- `serving`: the same recipe shifted forward, trained on `serving_train`, the eval snapshot
  (as_of - H, the latest one whose labels are complete), scored on the `score` snapshot (as_of).
With `churn_training_snapshots` > 1 each training role holds that many snapshot dates (stacked:
a person appears once per date); the fit's training date is the latest of them.
Two linear candidates per fit (`linear_candidates`): `logistic_regression` on the configured
features, and `recency_only`, the recency baseline calibrated on the training snapshot (a
regression on log1p_recency_days alone: a strictly monotone map of recency, so it ranks people
exactly as days since the last purchase does, with probabilities fitted to the training labels).

Conventions
- Input: the training rows of `int_churn_snapshots`: one row per person, `user_key`, a boolean
  `is_churned` label and numeric feature columns (already de-skewed in SQL). A NULL/NaN feature
  stops with a clear error (the SQL features are defined for every person of the population).
- Standardisation: z = (x - mean) / std, population std learned on the training rows; a
  constant feature (std 0) gets std 1, so its z is 0 and its coefficient 0 (L2 penalty).
- Fallback: with fewer than `min_training_rows` rows or a single class, no regression is
  fitted: every coefficient is 0 and the intercept is the log-odds of the training churn rate
  (clipped to [0.001, 0.999]; 0 with no rows at all), and `model_status` says why.
- Determinism: rows are sorted by `user_key`; the solver is deterministic (lbfgs) and seeded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from customer_intel.ml.relations import column_names, order_by, present_columns, to_pandas, where
from customer_intel.ml.segmentation import Scaling, fit_scaling


class ChurnInputError(ValueError):
    """The training frame cannot be used (missing columns, NULL features, bad config)."""


CONFIG_KEYS = ("features", "c", "class_weight", "random_state", "max_iter", "min_training_rows")
# fit role -> (snapshot_role it is trained on, snapshot_role it scores); `serving_train` is the
# eval snapshot (and, stacked, earlier ones), `train` the one a horizon before (and earlier ones)
FIT_ROLES = {"backtest": ("train", "eval"), "serving": ("serving_train", "score")}
RECENCY_FEATURE = "log1p_recency_days"
DATE_COLUMNS = ("training_snapshot_date",)
# text columns of the exported tables, typed as strings even when all NULL (DuckDB would give
# an all-None object column its NULL type)
TEXT_COLUMNS = (
    "fit_role", "model_name", "training_snapshot_role", "scored_snapshot_role", "feature_name",
    "class_weight", "model_status", "model_version", "rule_text",
)  # fmt: skip
CLASS_WEIGHTS = ("none", "balanced")
FALLBACK_RATE_CLIP = (0.001, 0.999)


@dataclass(frozen=True)
class ChurnConfig:
    """Parameters of the churn model (from the dbt model's YAML `config:`)."""

    features: tuple[str, ...]
    c: float = 1.0  # inverse L2 regularisation strength, as in scikit-learn
    class_weight: str = "none"  # "none" or "balanced"
    random_state: int = 42
    max_iter: int = 1000
    min_training_rows: int = 50


@dataclass(frozen=True)
class FittedChurnModel:
    """Scaling, coefficients (z units) and intercept of a fitted or fallback model."""

    scaling: Scaling
    coefficients: np.ndarray
    intercept: float
    training_rows: int
    positive_rate: float
    status: str  # fitted | too_few_rows | single_class | no_training_rows

    def linear_score(self, x: np.ndarray) -> np.ndarray:
        """intercept + sum(coefficient * z), as the SQL scoring computes it."""
        return self.intercept + self.scaling.transform(x) @ self.coefficients


def config_values(params: dict[str, object], config_type: type, casts: dict[str, type]) -> Any:
    """A frozen config dataclass of `config_type` from a dbt model's config values: `features`
    (a list, or its JSON text as YAML Jinja renders it; at least one) and each key of `casts`
    cast with its type, the dataclass default when missing or empty."""
    features = params.get("features")
    if isinstance(features, str):
        features = json.loads(features)
    if not features:
        raise ChurnInputError("config `features` must list at least one feature column")
    defaults = config_type(features=tuple(features))
    values = {
        key: getattr(defaults, key) if params.get(key) in (None, "") else cast(params[key])
        for key, cast in casts.items()
    }
    return config_type(features=tuple(features), **values)


def config_from_params(params: dict[str, object]) -> ChurnConfig:
    """Build a ChurnConfig from the dbt model's config values (YAML Jinja renders strings)."""
    casts = {"c": float, "class_weight": str, "random_state": int, "max_iter": int, "min_training_rows": int}
    cfg = config_values(params, ChurnConfig, casts)
    cfg = ChurnConfig(**{**cfg.__dict__, "class_weight": cfg.class_weight.strip().lower()})
    if not cfg.c > 0:
        raise ChurnInputError(f"churn config `c` must be > 0, got {cfg.c}")
    if cfg.class_weight not in CLASS_WEIGHTS:
        raise ChurnInputError(
            f"churn config `class_weight` must be one of {CLASS_WEIGHTS}, got {cfg.class_weight!r}"
        )
    return cfg


def linear_candidates(cfg: ChurnConfig) -> dict[str, ChurnConfig]:
    """The linear candidates fitted per fit role: the configured regression, and the recency
    baseline (log1p_recency_days alone, unweighted so that its probabilities are calibrated)."""
    return {
        "logistic_regression": cfg,
        "recency_only": ChurnConfig(
            features=(RECENCY_FEATURE,),
            c=cfg.c,
            class_weight="none",
            random_state=cfg.random_state,
            max_iter=cfg.max_iter,
            min_training_rows=cfg.min_training_rows,
        ),
    }


def training_frame(snapshots: Any, columns: tuple[str, ...]) -> pd.DataFrame:
    """The training rows of every fit role in the relation `snapshots` (int_churn_snapshots,
    DuckDB or Spark), with only `snapshot_role`, `snapshot_date`, `user_key`, `is_churned` and
    `columns`, as a frame ordered by role, person and date."""
    roles = ", ".join(f"'{train}'" for train, _ in FIT_ROLES.values())
    train = where(snapshots, f"snapshot_role in ({roles})")
    keys = [k for k in ("snapshot_role", "user_key", "snapshot_date") if k in column_names(train)]
    pulled = present_columns(train, ("snapshot_role", "snapshot_date", "user_key", "is_churned", *columns))
    return to_pandas(order_by(pulled, keys) if keys else pulled)


def role_rows(frame: pd.DataFrame, snapshot_role: str) -> pd.DataFrame:
    """The rows of one snapshot role of a training frame (all rows when it has no role column)."""
    if "snapshot_role" not in frame.columns:
        return frame
    return frame[frame["snapshot_role"] == snapshot_role]


def snapshot_date_of(rows: pd.DataFrame) -> Any:
    """The latest snapshot date of a role's rows (NaT without rows or without the column)."""
    if "snapshot_date" not in rows.columns or rows.empty:
        return pd.NaT
    return pd.Timestamp(rows["snapshot_date"].max())


def snapshot_count_of(rows: pd.DataFrame) -> int:
    """How many snapshot dates a role's rows stack (1 without the column, 0 without rows)."""
    if rows.empty:
        return 0
    return int(rows["snapshot_date"].nunique()) if "snapshot_date" in rows.columns else 1


def training_data(frame: pd.DataFrame, features: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Features (float64) and 0/1 labels of `frame` sorted by user_key (and snapshot_date, when
    stacked snapshots repeat a person), checked for usability."""
    missing = [f for f in (*features, "user_key", "is_churned") if f not in frame.columns]
    if missing:
        raise ChurnInputError(f"churn training frame lacks columns: {missing}")
    keys = ["user_key", "snapshot_date"] if "snapshot_date" in frame.columns else ["user_key"]
    ordered = frame.sort_values(keys, kind="stable")
    x = ordered[list(features)].to_numpy(dtype=np.float64)
    bad = [f for f, ok in zip(features, np.isfinite(x).all(axis=0), strict=True) if not ok]
    if bad:
        raise ChurnInputError(f"churn features with NULL or non-finite values: {bad}")
    if ordered["is_churned"].isna().any():
        raise ChurnInputError("churn training rows must all have a label (is_churned not NULL)")
    return x, ordered["is_churned"].astype(bool).to_numpy().astype(np.int64)


def clipped_rate(positive_rate: float | None) -> float:
    """The training churn rate clipped to FALLBACK_RATE_CLIP; 0.5 without rows."""
    if positive_rate is None:
        return 0.5
    return min(max(positive_rate, FALLBACK_RATE_CLIP[0]), FALLBACK_RATE_CLIP[1])


def fallback_intercept(positive_rate: float | None) -> float:
    """Log-odds of the (clipped) training churn rate; 0 (probability 0.5) without rows."""
    if positive_rate is None:
        return 0.0
    p = clipped_rate(positive_rate)
    return float(np.log(p / (1.0 - p)))


def fit_churn_model(x: np.ndarray, y: np.ndarray, cfg: ChurnConfig) -> FittedChurnModel:
    """Standardise and fit an L2 logistic regression, or return the documented fallback."""
    n = len(y)
    if n == 0:
        scaling = Scaling(mean=np.zeros(x.shape[1]), std=np.ones(x.shape[1]))
        return FittedChurnModel(scaling, np.zeros(x.shape[1]), 0.0, 0, float("nan"), "no_training_rows")
    scaling = fit_scaling(x)
    rate = float(y.mean())
    status = "fitted"
    if n < cfg.min_training_rows:
        status = "too_few_rows"
    elif rate in (0.0, 1.0):
        status = "single_class"
    if status != "fitted":
        return FittedChurnModel(scaling, np.zeros(x.shape[1]), fallback_intercept(rate), n, rate, status)
    regression = LogisticRegression(
        C=cfg.c,
        class_weight=None if cfg.class_weight == "none" else "balanced",
        max_iter=cfg.max_iter,
        random_state=cfg.random_state,
        solver="lbfgs",
    ).fit(scaling.transform(x), y)
    return FittedChurnModel(
        scaling, regression.coef_[0].astype(np.float64), float(regression.intercept_[0]), n, rate, "fitted"
    )


def model_version(cfg: ChurnConfig, fitted: FittedChurnModel) -> str:
    """A version derived from the parameters, the training data summary and the fitted numbers."""
    payload = json.dumps(
        {
            "features": cfg.features,
            "c": cfg.c,
            "class_weight": cfg.class_weight,
            "random_state": cfg.random_state,
            "training_rows": fitted.training_rows,
            "positive_rate": None if np.isnan(fitted.positive_rate) else round(fitted.positive_rate, 12),
            "mean": np.round(fitted.scaling.mean, 12).tolist(),
            "std": np.round(fitted.scaling.std, 12).tolist(),
            "coefficients": np.round(fitted.coefficients, 12).tolist(),
            "intercept": round(fitted.intercept, 12),
        },
        sort_keys=True,
    )
    return "logreg-" + hashlib.sha256(payload.encode()).hexdigest()[:12]


def model_rows(frame: pd.DataFrame, cfg: ChurnConfig) -> list[dict[str, object]]:
    """One fit in long form: one row per feature with its scaling and coefficient; the
    intercept, training size, churn rate, status and version repeated on every row."""
    x, y = training_data(frame, cfg.features)
    fitted = fit_churn_model(x, y, cfg)
    version = model_version(cfg, fitted)
    return [
        {
            "feature_name": feature,
            "feature_order": j,
            "feature_mean": float(fitted.scaling.mean[j]),
            "feature_std": float(fitted.scaling.std[j]),
            "coefficient": float(fitted.coefficients[j]),
            "intercept": fitted.intercept,
            "training_rows": fitted.training_rows,
            "positive_rate": fitted.positive_rate,
            "regularization_c": cfg.c,
            "class_weight": cfg.class_weight,
            "model_status": fitted.status,
            "model_version": version,
        }
        for j, feature in enumerate(cfg.features)
    ]


def fit_header(fit_role: str, model_name: str, training: pd.DataFrame) -> dict[str, object]:
    """The columns every exported row of one fit starts with: fit role, candidate, the
    snapshot roles it trains on and scores (FIT_ROLES), its latest training date and how many
    snapshot dates its training rows stack."""
    train_role, scored_role = FIT_ROLES[fit_role]
    return {
        "fit_role": fit_role,
        "model_name": model_name,
        "training_snapshot_role": train_role,
        "scored_snapshot_role": scored_role,
        "training_snapshot_date": snapshot_date_of(training),
        "training_snapshots": snapshot_count_of(training),
    }


def typed_export(table: pd.DataFrame) -> pd.DataFrame:
    """An exported table with stable types whatever its rows: the training date as datetime64
    (NaT without rows; the dbt model casts it to DATE, relations.to_engine) and text
    columns as strings (DuckDB gives an all-None object column its NULL type)."""
    table = table.assign(training_snapshot_date=pd.to_datetime(table["training_snapshot_date"]))
    text = [c for c in TEXT_COLUMNS if c in table.columns]
    return table.astype(dict.fromkeys(text, "string"))


def churn_model_table(frame: pd.DataFrame, cfg: ChurnConfig) -> pd.DataFrame:
    """Every linear candidate fitted for every fit role, in long form (`model_rows`), each row
    labelled with its fit role, candidate, training and scored snapshot roles and the training
    snapshot date. Rows ordered by fit role, candidate and feature order."""
    rows: list[dict[str, object]] = []
    for fit_role, (train_role, _) in sorted(FIT_ROLES.items()):
        training = role_rows(frame, train_role)
        for model_name, candidate in sorted(linear_candidates(cfg).items()):
            header = fit_header(fit_role, model_name, training)
            rows.extend({**header, **row} for row in model_rows(training, candidate))
    counts = ("feature_order", "training_rows", "training_snapshots")
    return typed_export(pd.DataFrame(rows).astype(dict.fromkeys(counts, "int64")))
