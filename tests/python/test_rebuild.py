"""Determinism: the same input and vars give identical model tables on a rebuild from scratch."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import MODELS_ONLY, DbtRunner

# every table a fitted model writes or a scoring model derives from one
MODEL_TABLES = (
    "marts.segment_k_selection",
    "marts.segment_model",
    "marts.user_segments",
    "marts.segment_profiles",
    "marts.churn_model",
    "marts.churn_tree",
    "marts.churn_scores",
    "marts.churn_evaluation",
    "marts.churn_evaluation_deciles",
    "marts.customer_value",
    "marts.item_neighbors",
    "marts.user_recommendations",
    "marts.frequently_bought_together",
    "marts.recommendation_evaluation",
)


@pytest.mark.dbt
def test_model_tables_are_identical_on_rebuild(shared_build: tuple[DbtRunner, Path], tmp_path: Path) -> None:
    runner, raw = shared_build
    before = {t: runner.query(f"select * from {t} order by all") for t in MODEL_TABLES}
    again = DbtRunner(tmp_path)
    result = again.run("build", *MODELS_ONLY, dbt_vars={"raw_data_path": str(raw)})
    assert result.returncode == 0, result.output[-4000:]
    for table in MODEL_TABLES:
        rows = again.query(f"select * from {table} order by all")
        assert rows, table
        assert rows == before[table], table
