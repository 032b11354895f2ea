"""Churn decision tree: a shallow entropy tree fitted per fit role, exported as a node table.

The dbt Python model `churn_tree` is a thin wrapper around `churn_tree_table`; SQL
(`int_churn_tree_leaves`) walks the node table, one depth per step, to put every person in a
leaf, so the tree is scored in the warehouse and its rules can be read by anyone.

Conventions
- Input: the training rows of `int_churn_snapshots` for each fit role (`churn.FIT_ROLES`), with
  the configured raw features (readable units: days, orders, money, shares), `user_key` and
  the `is_churned` label. Rows are sorted by `user_key` before fitting (input order does not
  matter); the tree is scikit-learn's CART with the entropy criterion (information gain),
  `max_depth` and a minimum leaf size of `min_leaf_share` of the training rows (at least 1),
  seeded.
- scikit-learn compares features as float32 with `x <= threshold` going left; the SQL walk
  casts the value to `float` and compares it with the exported double threshold the same way,
  so it reproduces `predict_proba` exactly.
- `churn_probability` of a node = its churn share, the value `predict_proba` returns for a
  person in that leaf. Leaves carry a plain-language `rule` (the path's conditions merged per
  feature, e.g. "last purchase 46+ days ago and at most 2 orders: 71% stop buying, 1,204
  people").
- Fallback: fewer than `min_training_rows` rows or a single class: one leaf holding everyone,
  with the training churn rate clipped to [0.001, 0.999] (0.5 without rows), and a
  `model_status` saying why.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from customer_intel.ml.churn import (
    FIT_ROLES,
    ChurnInputError,
    clipped_rate,
    config_values,
    fit_header,
    role_rows,
    training_data,
    typed_export,
)

TREE_CONFIG_KEYS = ("features", "max_depth", "min_leaf_share", "random_state", "min_training_rows")
LEAF = -1  # scikit-learn's child id of a leaf

# How a condition on a feature reads: (at least L, at most U, between L and U). Integer
# features get whole numbers; `{lo}`/`{hi}` are filled in. A feature missing here reads
# "<feature> > t" / "<feature> <= t".
CONDITION_WORDING: dict[str, tuple[str, str, str]] = {
    "recency_days": (
        "last purchase {lo}+ days ago",
        "last purchase at most {hi} days ago",
        "last purchase {lo} to {hi} days ago",
    ),
    "frequency": ("at least {lo} orders", "at most {hi} orders", "{lo} to {hi} orders"),
    "monetary": ("spent over {lo}", "spent at most {hi}", "spent over {lo} and at most {hi}"),
    "tenure_days": (
        "customer for at least {lo} days",
        "customer for at most {hi} days",
        "customer for {lo} to {hi} days",
    ),
    "active_days_30": (
        "active on at least {lo} of the last 30 days",
        "active on at most {hi} of the last 30 days",
        "active on {lo} to {hi} of the last 30 days",
    ),
    "active_days_90": (
        "active on at least {lo} of the last 90 days",
        "active on at most {hi} of the last 90 days",
        "active on {lo} to {hi} of the last 90 days",
    ),
    "refund_rate": (
        "refunded over {lo} of purchases",
        "refunded at most {hi} of purchases",
        "refunded over {lo} and at most {hi} of purchases",
    ),
    "discount_rate": (
        "buys over {lo} below list price",
        "buys at most {hi} below list price",
        "buys over {lo} and at most {hi} below list price",
    ),
    "view_to_purchase_rate": (
        "bought over {lo} of the items viewed",
        "bought at most {hi} of the items viewed",
        "bought over {lo} and at most {hi} of the items viewed",
    ),
}
# An integer feature whose condition leaves only 0 reads better in its own words.
ZERO_WORDING = {
    "active_days_30": "not active in the last 30 days",
    "active_days_90": "not active in the last 90 days",
    "recency_days": "bought on the snapshot day",
}
PERCENT_FEATURES = ("refund_rate", "discount_rate", "view_to_purchase_rate")


@dataclass(frozen=True)
class TreeConfig:
    """Parameters of the churn tree (from the dbt model's YAML `config:`)."""

    features: tuple[str, ...]
    max_depth: int = 3
    min_leaf_share: float = 0.02
    random_state: int = 42
    min_training_rows: int = 50


def tree_config_from_params(params: dict[str, object]) -> TreeConfig:
    """Build a TreeConfig from the dbt model's config values (YAML Jinja renders strings)."""
    casts = {"max_depth": int, "min_leaf_share": float, "random_state": int, "min_training_rows": int}
    cfg = config_values(params, TreeConfig, casts)
    if not 1 <= cfg.max_depth <= 8:
        raise ChurnInputError(f"churn_tree `max_depth` must be in 1..8, got {cfg.max_depth}")
    if not 0 <= cfg.min_leaf_share < 0.5:
        raise ChurnInputError(f"churn_tree `min_leaf_share` must be in [0, 0.5), got {cfg.min_leaf_share}")
    return cfg


def min_leaf_rows(rows: int, share: float) -> int:
    """The minimum leaf size: `share` of the training rows, rounded up, at least 1."""
    return max(1, math.ceil(share * rows))


def fit_tree(x: np.ndarray, y: np.ndarray, cfg: TreeConfig) -> tuple[DecisionTreeClassifier | None, str]:
    """The fitted entropy tree and `fitted`, or None and the fallback's reason."""
    if len(y) == 0:
        return None, "no_training_rows"
    if len(y) < cfg.min_training_rows:
        return None, "too_few_rows"
    if y.min() == y.max():
        return None, "single_class"
    tree = DecisionTreeClassifier(
        criterion="entropy",
        max_depth=cfg.max_depth,
        min_samples_leaf=min_leaf_rows(len(y), cfg.min_leaf_share),
        random_state=cfg.random_state,
    ).fit(x, y)
    return tree, "fitted"


def is_integer_feature(values: np.ndarray) -> bool:
    """Whether every training value of a feature is a whole number (then conditions read as
    whole numbers: x <= 2.5 is "at most 2", x > 2.5 "at least 3")."""
    return bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))


def format_bound(feature: str, value: float, integer: bool) -> str:
    """A threshold as a reader sees it: whole numbers with thousands separators, shares as
    percentages, other values with two decimals."""
    if integer:
        return f"{int(value):,}"
    if feature in PERCENT_FEATURES:
        return f"{100 * value:.1f}%"
    return f"{value:,.2f}"


def condition_text(feature: str, low: float | None, high: float | None, integer: bool) -> str:
    """One feature's merged condition low < x <= high (either side may be open) in words."""
    lo = None if low is None else (math.floor(low) + 1 if integer else low)
    hi = None if high is None else (math.floor(high) if integer else high)
    at_least, at_most, between = CONDITION_WORDING.get(
        feature, (f"{feature} > {{lo}}", f"{feature} <= {{hi}}", f"{{lo}} < {feature} <= {{hi}}")
    )
    if integer and feature not in CONDITION_WORDING:
        at_least, between = f"{feature} >= {{lo}}", f"{{lo}} <= {feature} <= {{hi}}"
    if integer and hi == 0 and feature in ZERO_WORDING:
        return ZERO_WORDING[feature]
    if lo is not None and hi is not None and integer and lo == hi:
        return between.replace("{lo} to {hi}", "{lo}").format(lo=format_bound(feature, lo, integer))
    if hi is None:
        return at_least.format(lo=format_bound(feature, lo, integer))
    if lo is None:
        return at_most.format(hi=format_bound(feature, hi, integer))
    return between.format(lo=format_bound(feature, lo, integer), hi=format_bound(feature, hi, integer))


def rule_text(
    conditions: list[tuple[str, str, float]], integer: dict[str, bool], probability: float, rows: int
) -> str:
    """A leaf's rule: the path's (feature, '<=' or '>', threshold) conditions merged per feature
    (in order of first use), then the leaf's churn share and size."""
    bounds: dict[str, list[float | None]] = {}
    for feature, op, threshold in conditions:
        low, high = bounds.setdefault(feature, [None, None])
        if op == "<=":
            bounds[feature][1] = threshold if high is None else min(high, threshold)
        else:
            bounds[feature][0] = threshold if low is None else max(low, threshold)
    words = " and ".join(
        condition_text(feature, low, high, integer.get(feature, False))
        for feature, (low, high) in bounds.items()
    )
    outcome = f"{100 * probability:.0f}% stop buying, {rows:,} {'person' if rows == 1 else 'people'}"
    return f"{words or 'everyone'}: {outcome}"


def node_rows(
    tree: DecisionTreeClassifier, features: tuple[str, ...], integer: dict[str, bool]
) -> list[dict[str, Any]]:
    """The fitted tree as one row per node (preorder ids of scikit-learn), with each node's
    parent, depth, split, children, size, churners, churn share (= predict_proba) and, for
    leaves, the rule of the path that leads there."""
    t = tree.tree_
    churn_column = int(np.flatnonzero(tree.classes_ == 1)[0])
    rows: list[dict[str, Any]] = []
    stack: list[tuple[int, int | None, int, list[tuple[str, str, float]]]] = [(0, None, 0, [])]
    while stack:
        node, parent, depth, path = stack.pop()
        value = t.value[node, 0]
        probability = float(value[churn_column] / value.sum())
        size = int(t.n_node_samples[node])
        leaf = t.children_left[node] == LEAF
        feature = None if leaf else features[int(t.feature[node])]
        threshold = None if leaf else float(t.threshold[node])
        rows.append(
            {
                "node_id": node,
                "parent_node_id": parent,
                "depth": depth,
                "is_leaf": bool(leaf),
                "feature_name": feature,
                "threshold": threshold,
                "left_node_id": None if leaf else int(t.children_left[node]),
                "right_node_id": None if leaf else int(t.children_right[node]),
                "node_rows": size,
                "churners": round(probability * size),
                "churn_probability": probability,
                "rule_text": rule_text(path, integer, probability, size) if leaf else None,
            }
        )
        if not leaf:
            stack.append((int(t.children_right[node]), node, depth + 1, [*path, (feature, ">", threshold)]))
            stack.append((int(t.children_left[node]), node, depth + 1, [*path, (feature, "<=", threshold)]))
    return sorted(rows, key=lambda r: r["node_id"])


def fallback_rows(y: np.ndarray) -> list[dict[str, Any]]:
    """One leaf holding everyone, with the clipped training churn rate (0.5 without rows)."""
    probability = clipped_rate(float(y.mean()) if len(y) else None)
    return [
        {
            "node_id": 0,
            "parent_node_id": None,
            "depth": 0,
            "is_leaf": True,
            "feature_name": None,
            "threshold": None,
            "left_node_id": None,
            "right_node_id": None,
            "node_rows": len(y),
            "churners": int(y.sum()),
            "churn_probability": probability,
            "rule_text": rule_text([], {}, probability, len(y)),
        }
    ]


def tree_version(cfg: TreeConfig, rows: list[dict[str, Any]]) -> str:
    """A version derived from the parameters and the exported nodes."""
    payload = json.dumps(
        {
            "features": cfg.features,
            "max_depth": cfg.max_depth,
            "min_leaf_share": cfg.min_leaf_share,
            "random_state": cfg.random_state,
            "nodes": [
                (
                    r["node_id"],
                    r["feature_name"],
                    r["threshold"],
                    r["node_rows"],
                    round(r["churn_probability"], 12),
                )
                for r in rows
            ],
        },
        sort_keys=True,
    )
    return "tree-" + hashlib.sha256(payload.encode()).hexdigest()[:12]


def tree_rows(frame: pd.DataFrame, cfg: TreeConfig) -> tuple[list[dict[str, Any]], str]:
    """One fit's node rows and status, on the rows of `frame` sorted by user_key."""
    x, y = training_data(frame, cfg.features)
    tree, status = fit_tree(x, y, cfg)
    if tree is None:
        return fallback_rows(y), status
    integer = {f: is_integer_feature(x[:, j]) for j, f in enumerate(cfg.features)}
    return node_rows(tree, cfg.features, integer), status


def churn_tree_table(frame: pd.DataFrame, cfg: TreeConfig) -> pd.DataFrame:
    """The tree of every fit role (`churn.FIT_ROLES`) as a node table, each row labelled with
    the fit role, the training and scored snapshot roles, the training snapshot date, the
    parameters, status and version. Rows ordered by fit role and node id."""
    out: list[dict[str, Any]] = []
    for fit_role, (train_role, _) in sorted(FIT_ROLES.items()):
        training = role_rows(frame, train_role)
        rows, status = tree_rows(training, cfg)
        version = tree_version(cfg, rows)
        header = fit_header(fit_role, "decision_tree", training)
        footer = {
            "max_depth": cfg.max_depth,
            "min_leaf_rows": min_leaf_rows(len(training), cfg.min_leaf_share),
            "training_rows": len(training),
            "model_status": status,
            "model_version": version,
        }
        out.extend({**header, **row, **footer} for row in rows)
    table = pd.DataFrame(out).astype(
        {
            "node_id": "int64",
            "parent_node_id": "Int64",
            "depth": "int64",
            "left_node_id": "Int64",
            "right_node_id": "Int64",
            "node_rows": "int64",
            "churners": "int64",
            "threshold": "float64",
            "max_depth": "int64",
            "min_leaf_rows": "int64",
            "training_rows": "int64",
            "training_snapshots": "int64",
        }
    )
    return typed_export(table)
