"""Churn decision tree: node export, rules in words, fallbacks and config (tiny hand-made frames)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.tree import DecisionTreeClassifier

from customer_intel.ml.churn import ChurnInputError
from customer_intel.ml.churn_tree import (
    TreeConfig,
    churn_tree_table,
    condition_text,
    is_integer_feature,
    min_leaf_rows,
    rule_text,
    tree_config_from_params,
)


def people(recency: list[int], orders: list[int], churned: list[bool], role: str = "train") -> pd.DataFrame:
    """A training snapshot of len(recency) people."""
    return pd.DataFrame(
        {
            "snapshot_role": role,
            "snapshot_date": pd.Timestamp("2026-01-01" if role == "train" else "2026-04-01"),
            "user_key": [f"{role}{i:03d}" for i in range(len(recency))],
            "recency_days": recency,
            "frequency": orders,
            "is_churned": churned,
        }
    )


# 12 people: churn = no purchase in 40+ days, except the 3+ order buyers among them
RECENCY = [5, 10, 15, 20, 25, 30, 45, 50, 60, 70, 80, 90]
ORDERS = [1, 2, 1, 3, 1, 2, 1, 1, 2, 4, 5, 3]
CHURNED = [False] * 6 + [True, True, True, False, False, False]
CFG = TreeConfig(features=("recency_days", "frequency"), max_depth=2, min_leaf_share=0.0, min_training_rows=5)


def test_tree_table_by_hand_matches_the_planted_rule() -> None:
    serving = people(RECENCY, ORDERS, CHURNED, role="serving_train")
    frame = pd.concat([people(RECENCY, ORDERS, CHURNED), serving])
    table = churn_tree_table(frame, CFG)
    serving = table[table["fit_role"] == "serving"].set_index("node_id")
    # root: recency <= 37.5 (between 30 and 45); right child: frequency <= 2.5
    assert serving.loc[0, "feature_name"] == "recency_days" and serving.loc[0, "threshold"] == 37.5
    right = serving.loc[0, "right_node_id"]
    assert serving.loc[right, "feature_name"] == "frequency" and serving.loc[right, "threshold"] == 2.5
    leaves = serving[serving["is_leaf"]].sort_values("node_id")
    assert leaves["rule_text"].tolist() == [
        "last purchase at most 37 days ago: 0% stop buying, 6 people",
        "last purchase 38+ days ago and at most 2 orders: 100% stop buying, 3 people",
        "last purchase 38+ days ago and at least 3 orders: 0% stop buying, 3 people",
    ]
    assert leaves["node_rows"].sum() == 12 and leaves["churners"].sum() == 3
    assert str(serving["training_snapshot_date"].iloc[0])[:10] == "2026-04-01"
    assert set(table["model_status"]) == {"fitted"} and set(table["max_depth"]) == {2}
    # parents and children agree, depths count from the root
    for node, row in serving[~serving["is_leaf"]].iterrows():
        for child in (row["left_node_id"], row["right_node_id"]):
            assert serving.loc[child, "parent_node_id"] == node
            assert serving.loc[child, "depth"] == row["depth"] + 1


def test_exported_probabilities_are_predict_proba_and_input_order_does_not_matter() -> None:
    rng = np.random.default_rng(3)
    n = 400
    frame = people(
        rng.integers(0, 200, n).tolist(), rng.integers(1, 8, n).tolist(), (rng.random(n) < 0.4).tolist()
    ).assign(refund_rate=rng.random(n))
    cfg = TreeConfig(features=("recency_days", "frequency", "refund_rate"), max_depth=3, min_leaf_share=0.05)
    table = churn_tree_table(frame, cfg)
    backtest = table[table["fit_role"] == "backtest"]
    ordered = frame.sort_values("user_key")
    x = ordered[list(cfg.features)].to_numpy(dtype=np.float64)
    reference = DecisionTreeClassifier(criterion="entropy", max_depth=3, min_samples_leaf=20, random_state=42)
    reference.fit(x, ordered["is_churned"].to_numpy())
    leaf_of = reference.apply(x)
    probability = backtest.set_index("node_id")["churn_probability"]
    np.testing.assert_array_equal(probability.loc[leaf_of].to_numpy(), reference.predict_proba(x)[:, 1])
    assert backtest["min_leaf_rows"].iloc[0] == 20
    shuffled = churn_tree_table(frame.sample(frac=1.0, random_state=1), cfg)
    pd.testing.assert_frame_equal(table, shuffled)


@pytest.mark.parametrize(
    ("churned", "rows", "status"),
    [([True] * 12, 12, "single_class"), ([False, True] * 2, 4, "too_few_rows"), ([], 0, "no_training_rows")],
)
def test_fallback_is_one_leaf_with_the_clipped_base_rate(churned: list[bool], rows: int, status: str) -> None:
    frame = people(RECENCY[:rows], ORDERS[:rows], churned)
    table = churn_tree_table(frame, CFG)
    backtest = table[table["fit_role"] == "backtest"]
    assert len(backtest) == 1 and backtest["is_leaf"].all() and backtest["model_status"].iloc[0] == status
    expected = {"single_class": 0.999, "too_few_rows": 0.5, "no_training_rows": 0.5}[status]
    assert backtest["churn_probability"].iloc[0] == pytest.approx(expected)
    assert backtest["rule_text"].iloc[0].startswith("everyone: ")


def test_conditions_read_as_whole_numbers_percentages_or_money() -> None:
    assert condition_text("recency_days", 44.5, None, integer=True) == "last purchase 45+ days ago"
    assert condition_text("recency_days", 30.5, 44.5, integer=True) == "last purchase 31 to 44 days ago"
    assert condition_text("frequency", 1.5, 2.5, integer=True) == "2 orders"
    assert condition_text("active_days_90", None, 0.5, integer=True) == "not active in the last 90 days"
    at_most_two = condition_text("active_days_30", None, 2.5, integer=True)
    assert at_most_two == "active on at most 2 of the last 30 days"
    assert condition_text("frequency", None, 1234.5, integer=True) == "at most 1,234 orders"
    assert condition_text("refund_rate", 0.125, None, integer=False) == "refunded over 12.5% of purchases"
    assert condition_text("monetary", None, 99.995, integer=False) == "spent at most 100.00"
    assert condition_text("other_feature", 2.5, None, integer=True) == "other_feature >= 3"
    assert condition_text("other_feature", None, 0.25, integer=False) == "other_feature <= 0.25"


def test_rule_merges_conditions_per_feature() -> None:
    path = [("recency_days", ">", 30.5), ("frequency", "<=", 4.5), ("recency_days", "<=", 90.5)]
    path += [("recency_days", ">", 45.5)]
    integer = {"recency_days": True, "frequency": True}
    assert rule_text(path, integer, 0.714, 1204) == (
        "last purchase 46 to 90 days ago and at most 4 orders: 71% stop buying, 1,204 people"
    )
    assert rule_text([], {}, 0.25, 1) == "everyone: 25% stop buying, 1 person"


def test_integer_detection_and_leaf_size() -> None:
    assert is_integer_feature(np.array([0.0, 3.0, 12.0]))
    assert not is_integer_feature(np.array([0.0, 0.5]))
    assert min_leaf_rows(1000, 0.02) == 20 and min_leaf_rows(10, 0.02) == 1 and min_leaf_rows(0, 0.0) == 1


def test_config_from_params_and_bad_values() -> None:
    cfg = tree_config_from_params({"features": '["recency_days"]', "max_depth": "4", "min_leaf_share": "0.1"})
    assert cfg == TreeConfig(features=("recency_days",), max_depth=4, min_leaf_share=0.1)
    with pytest.raises(ChurnInputError, match="max_depth"):
        tree_config_from_params({"features": ["a"], "max_depth": "0"})
    with pytest.raises(ChurnInputError, match="min_leaf_share"):
        tree_config_from_params({"features": ["a"], "min_leaf_share": "0.5"})
    with pytest.raises(ChurnInputError, match="at least one feature"):
        tree_config_from_params({"features": []})
