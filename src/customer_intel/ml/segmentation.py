"""K-means customer segmentation: choose k, fit, and export the fitted model as a table.

Pure functions on pandas frames; the dbt Python models `segment_k_selection` and
`segment_model` are thin wrappers around `evaluate_k_range` and `segment_model_table` of
`features_frame` (only `user_key` and the configured features leave the warehouse, DuckDB or
Spark, through customer_intel.ml.relations).
Scoring happens in SQL (`user_segments`) from the exported centroids and scaling parameters.

Conventions
- Input: one row per person, a `user_key` column and numeric feature columns (already
  de-skewed in SQL). Features must be finite: a NULL/NaN stops with a clear error.
- Standardisation: z = (x - mean) / std with the population std (ddof=0) learned on the
  training rows; a constant feature (std 0) gets std 1, so it contributes nothing.
- Determinism: every random choice takes `random_state`; rows are sorted by `user_key` first.
- Samples: choosing k fits K-means 9 times (k 2..10) with `n_init` starts each, so it works on
  a seeded random sample of at most `selection_max_rows` people (var
  `segment_selection_max_rows`, default 20,000: at 10M events, 86k buyers took 25 s); the final
  model refits the chosen k on at most `max_training_rows` (`segment_max_training_rows`). Both
  samples are `training_rows`: the same seed draws the same rows from the same sorted buyers.
- Threads: K-means and the indices run on one thread (`threadpool_limits(1)`). dbt runs two
  models side by side and DuckDB takes every core; OpenMP/BLAS threads fighting over them made
  the choice of k on 20,000 rows take 5.5 to 41 s instead of 2.7 to 4.4 s on one thread (2-core
  machine, same chosen k), and one thread makes the fit independent of the machine's cores.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from threadpoolctl import threadpool_limits

from customer_intel.ml.relations import column_names, order_by, present_columns, to_pandas


class SegmentationInputError(ValueError):
    """The training frame cannot be segmented (missing columns, NULLs, too few rows)."""


# Typed empty results for a population without buyers (DuckDB needs the column types).
K_SELECTION_EMPTY = pd.DataFrame(
    {"k": pd.Series(dtype="int64"), "inertia": pd.Series(dtype="float64"),
     "silhouette": pd.Series(dtype="float64"), "calinski_harabasz": pd.Series(dtype="float64"),
     "davies_bouldin": pd.Series(dtype="float64"), "is_chosen": pd.Series(dtype="bool"),
     "training_rows": pd.Series(dtype="int64")}
)  # fmt: skip
SEGMENT_MODEL_EMPTY = pd.DataFrame(
    {"segment_id": pd.Series(dtype="int64"), "feature_name": pd.Series(dtype="str"),
     "feature_order": pd.Series(dtype="int64"), "centroid_standardized": pd.Series(dtype="float64"),
     "centroid_original": pd.Series(dtype="float64"), "feature_mean": pd.Series(dtype="float64"),
     "feature_std": pd.Series(dtype="float64"), "k": pd.Series(dtype="int64"),
     "training_rows": pd.Series(dtype="int64"), "model_version": pd.Series(dtype="str")}
)  # fmt: skip


@dataclass(frozen=True)
class SegmentationConfig:
    """Parameters of the segmentation (from the dbt model's YAML `config:`)."""

    features: tuple[str, ...]
    k_min: int = 2
    k_max: int = 10
    forced_k: int | None = None
    random_state: int = 42
    n_init: int = 10
    silhouette_sample_size: int = 5000
    max_training_rows: int = 200_000
    selection_max_rows: int = 20_000


@dataclass(frozen=True)
class Scaling:
    """Per-feature mean and std learned on the training rows."""

    mean: np.ndarray
    std: np.ndarray

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Standardise rows of `x`."""
        return (x - self.mean) / self.std


CONFIG_KEYS = (
    "features", "k_min", "k_max", "segment_k", "random_state", "n_init", "silhouette_sample_size",
    "max_training_rows", "selection_max_rows",
)  # fmt: skip


def config_from_params(params: dict[str, object]) -> SegmentationConfig:
    """Build a SegmentationConfig from the dbt model's config values (strings from YAML Jinja
    are parsed; `segment_k` = 'auto' lets the rule choose)."""
    features = params.get("features")
    if isinstance(features, str):
        features = json.loads(features)
    if not features:
        raise SegmentationInputError("config `features` must list at least one feature column")
    forced = params.get("segment_k")
    forced_k = None if forced in (None, "", "auto", "none", "None") else int(forced)
    defaults = SegmentationConfig(features=tuple(features))

    def number(key: str) -> int:
        value = params.get(key)
        return int(getattr(defaults, key)) if value in (None, "") else int(value)

    return SegmentationConfig(
        features=tuple(features),
        k_min=number("k_min"),
        k_max=number("k_max"),
        forced_k=forced_k,
        random_state=number("random_state"),
        n_init=number("n_init"),
        silhouette_sample_size=number("silhouette_sample_size"),
        max_training_rows=number("max_training_rows"),
        selection_max_rows=number("selection_max_rows"),
    )


def features_frame(relation: Any, cfg: SegmentationConfig) -> pd.DataFrame:
    """`user_key` and the configured features of the relation `relation`
    (int_segmentation_features, DuckDB or Spark) as a frame ordered by user_key: the other
    columns stay in the warehouse."""
    pulled = present_columns(relation, ("user_key", *cfg.features))
    return to_pandas(order_by(pulled, ["user_key"]) if "user_key" in column_names(pulled) else pulled)


def selection_cap(cfg: SegmentationConfig) -> int:
    """Most people the choice of k is computed on: the selection cap, never above the training
    cap (choosing k on more people than the model is fitted on would buy nothing)."""
    return min(cfg.selection_max_rows, cfg.max_training_rows)


def feature_matrix(frame: pd.DataFrame, features: tuple[str, ...]) -> np.ndarray:
    """Return the features of `frame` (sorted by user_key) as float64, checking they are usable."""
    missing = [f for f in features if f not in frame.columns]
    if missing:
        raise SegmentationInputError(f"segmentation features not in the input: {missing}")
    x = frame.sort_values("user_key", kind="stable")[list(features)].to_numpy(dtype=np.float64)
    bad = [f for f, ok in zip(features, np.isfinite(x).all(axis=0), strict=True) if not ok]
    if bad:
        raise SegmentationInputError(f"segmentation features with NULL or non-finite values: {bad}")
    return x


def training_rows(x: np.ndarray, cap: int, random_state: int) -> np.ndarray:
    """All rows, or a deterministic random sample of `cap` rows when there are more."""
    if len(x) <= cap:
        return x
    rng = np.random.default_rng(random_state)
    return x[np.sort(rng.choice(len(x), size=cap, replace=False))]


def fit_scaling(x: np.ndarray) -> Scaling:
    """Mean and population std per column; std 0 (constant feature) becomes 1."""
    std = x.std(axis=0)
    return Scaling(mean=x.mean(axis=0), std=np.where(std > 0, std, 1.0))


def candidate_ks(n_rows: int, k_min: int, k_max: int) -> list[int]:
    """The k values that can be evaluated: k_min..k_max limited to 2..n_rows-1."""
    return [k for k in range(max(2, k_min), k_max + 1) if k <= n_rows - 1]


def fit_kmeans(z: np.ndarray, k: int, cfg: SegmentationConfig) -> KMeans:
    """K-means with the configured seed and number of initialisations, on one thread."""
    with threadpool_limits(limits=1):
        return KMeans(n_clusters=k, n_init=cfg.n_init, random_state=cfg.random_state).fit(z)


def k_metrics(z: np.ndarray, labels: np.ndarray, cfg: SegmentationConfig) -> dict[str, float]:
    """Silhouette (on a fixed-size seeded sample), Calinski-Harabasz and Davies-Bouldin."""
    sample = min(cfg.silhouette_sample_size, len(z))
    with threadpool_limits(limits=1):
        return k_indices(z, labels, sample, cfg.random_state)


def k_indices(z: np.ndarray, labels: np.ndarray, sample: int, random_state: int) -> dict[str, float]:
    """The three indices of a clustering (silhouette on a seeded sample of `sample` rows)."""
    return {
        "silhouette": float(silhouette_score(z, labels, sample_size=sample, random_state=random_state)),
        "calinski_harabasz": float(calinski_harabasz_score(z, labels)),
        "davies_bouldin": float(davies_bouldin_score(z, labels)),
    }


def choose_k(table: pd.DataFrame) -> int:
    """The documented rule: the k with the best mean rank over silhouette (higher is better),
    Calinski-Harabasz (higher) and Davies-Bouldin (lower); ties go to the smaller k."""
    ranks = (
        table["silhouette"].rank(ascending=False, method="min")
        + table["calinski_harabasz"].rank(ascending=False, method="min")
        + table["davies_bouldin"].rank(ascending=True, method="min")
    ) / 3.0
    best = table.assign(mean_rank=ranks).sort_values(["mean_rank", "k"], kind="stable")
    return int(best["k"].iloc[0])


def evaluate_k_range(frame: pd.DataFrame, cfg: SegmentationConfig) -> pd.DataFrame:
    """One row per evaluated k: inertia, silhouette, CH, DB, mean metric rank and `is_chosen`.

    With fewer than 3 rows no k can be evaluated: one row with k = 1 is returned (fallback: a
    single segment); with no rows at all, an empty table (nothing to segment). A forced k
    (config `segment_k`) is flagged chosen whatever the metrics say. Above `selection_cap(cfg)`
    people, everything is computed on a seeded random sample of that many (`training_rows`).
    """
    x = training_rows(feature_matrix(frame, cfg.features), selection_cap(cfg), cfg.random_state)
    if len(x) == 0:  # no buyers in the window: nothing to segment, empty tables downstream
        return K_SELECTION_EMPTY.copy()
    z = fit_scaling(x).transform(x)
    rows = []
    for k in candidate_ks(len(z), cfg.k_min, cfg.k_max):
        km = fit_kmeans(z, k, cfg)
        if len(np.unique(km.labels_)) < 2:
            continue  # identical rows: k-means found fewer distinct clusters than asked
        rows.append({"k": k, "inertia": float(km.inertia_), **k_metrics(z, km.labels_, cfg)})
    table = pd.DataFrame(rows, columns=["k", "inertia", "silhouette", "calinski_harabasz", "davies_bouldin"])
    if table.empty:
        table = pd.DataFrame(
            [{"k": 1, "inertia": float(((z - z.mean(axis=0)) ** 2).sum()), "silhouette": np.nan,
              "calinski_harabasz": np.nan, "davies_bouldin": np.nan}]
        )  # fmt: skip
        chosen = 1
    else:
        chosen = choose_k(table)
    if cfg.forced_k is not None:
        if cfg.forced_k not in set(table["k"]):
            raise SegmentationInputError(
                f"segment_k={cfg.forced_k} cannot be fitted on {len(z)} rows "
                f"(evaluated k: {list(table['k'])})"
            )
        chosen = cfg.forced_k
    table["is_chosen"] = table["k"] == chosen
    table["training_rows"] = len(z)
    return table.astype({"k": "int64", "training_rows": "int64"})


def fit_segmentation(frame: pd.DataFrame, cfg: SegmentationConfig, k: int) -> tuple[Scaling, np.ndarray]:
    """Fit scaling and k-means on the training rows; return the scaling and centroids (z units).
    k = 1 (fallback for tiny populations) gives the single centroid 0."""
    x = training_rows(feature_matrix(frame, cfg.features), cfg.max_training_rows, cfg.random_state)
    scaling = fit_scaling(x)
    if k == 1:
        return scaling, np.zeros((1, x.shape[1]))
    km = fit_kmeans(scaling.transform(x), k, cfg)
    return scaling, km.cluster_centers_[canonical_order(km.cluster_centers_)]


def canonical_order(centroids: np.ndarray) -> np.ndarray:
    """The permutation sorting centroids lexicographically by their coordinates, so segment ids
    do not depend on k-means' arbitrary label order (segment id i = k-means label order[i])."""
    return np.lexsort(centroids.T[::-1])


def assign(z: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Nearest centroid (squared Euclidean; ties to the lower id), as the SQL scoring does."""
    d = ((z[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return d.argmin(axis=1)


def model_version(cfg: SegmentationConfig, scaling: Scaling, centroids: np.ndarray) -> str:
    """A version derived from the parameters and the fitted numbers (not hand-written)."""
    payload = json.dumps(
        {
            "features": cfg.features,
            "random_state": cfg.random_state,
            "n_init": cfg.n_init,
            "mean": np.round(scaling.mean, 12).tolist(),
            "std": np.round(scaling.std, 12).tolist(),
            "centroids": np.round(centroids, 12).tolist(),
        },
        sort_keys=True,
    )
    return "kmeans-" + hashlib.sha256(payload.encode()).hexdigest()[:12]


def segment_model_table(
    frame: pd.DataFrame, k_selection: pd.DataFrame, cfg: SegmentationConfig
) -> pd.DataFrame:
    """The fitted model in long form: one row per (segment_id, feature) with the centroid in
    standardised and original units and the feature's scaling parameters."""
    if k_selection.empty:
        return SEGMENT_MODEL_EMPTY.copy()
    k = int(k_selection.loc[k_selection["is_chosen"], "k"].iloc[0])
    scaling, centroids = fit_segmentation(frame, cfg, k)
    version = model_version(cfg, scaling, centroids)
    n_train = min(len(frame), cfg.max_training_rows)
    rows = []
    for segment_id, centroid in enumerate(centroids):
        for j, feature in enumerate(cfg.features):
            rows.append(
                {
                    "segment_id": segment_id,
                    "feature_name": feature,
                    "feature_order": j,
                    "centroid_standardized": float(centroid[j]),
                    "centroid_original": float(scaling.mean[j] + scaling.std[j] * centroid[j]),
                    "feature_mean": float(scaling.mean[j]),
                    "feature_std": float(scaling.std[j]),
                    "k": k,
                    "training_rows": n_train,
                    "model_version": version,
                }
            )
    return pd.DataFrame(rows).astype(
        {"segment_id": "int64", "feature_order": "int64", "k": "int64", "training_rows": "int64"}
    )
