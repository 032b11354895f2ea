"""What churn_scores serves ranks who really stops buying after as_of at least as well as
recency alone, on data built before the future it is checked on (the issue's acceptance):
the demo data, a young shop whose cohorts drift (devtools.cohort_data) and real purchases of
1997-1998 (the CDNOW sample beside the clone, as of 1998-03-31)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CDNOW_SAMPLE, MODELS_ONLY, DbtRunner
from customer_intel.devtools.cdnow import convert
from customer_intel.devtools.churn_check import check
from customer_intel.devtools.cohort_data import CohortConfig, generate, write
from customer_intel.devtools.demo_data.config import GeneratorConfig
from customer_intel.devtools.demo_data.generate import generate as generate_demo

# both data sets end 90 days or more after these dates, so the next horizon is known
DEMO_AS_OF = "2026-03-31"  # the demo generator's data ends on 2026-06-30
COHORT_AS_OF = "2026-03-26"  # the cohort shop's 540 days end on 2026-06-24
CDNOW_AS_OF = "1998-03-31"  # purchases run to 1998-06-30


def build_and_check(tmp_path: Path, raw: Path, as_of: str, **extra_vars: object) -> dict[str, float | None]:
    """Build what churn_check reads, as of `as_of`, and return its AUCs by ranking."""
    runner = DbtRunner(tmp_path / "build")
    dbt_vars = {"raw_data_path": str(raw), "as_of_date": as_of, **extra_vars}
    result = runner.run(
        "build", "--select", "+churn_scores", "+clean_events", *MODELS_ONLY, dbt_vars=dbt_vars
    )
    assert result.returncode == 0, result.output[-4000:]
    return dict(check(runner.db_path, horizon=90))


def assert_served_at_least_recency(auc: dict[str, float | None]) -> None:
    served = next(v for k, v in auc.items() if k.startswith("churn_scores"))
    assert served is not None and served >= auc["days since the last purchase"], auc


@pytest.mark.dbt
def test_demo_data_served_scores_beat_recency_on_the_next_90_days(tmp_path: Path) -> None:
    generate_demo(GeneratorConfig(), tmp_path / "raw")
    assert_served_at_least_recency(build_and_check(tmp_path, tmp_path / "raw", DEMO_AS_OF))


@pytest.mark.dbt
def test_drifting_cohorts_served_scores_beat_recency_on_the_next_90_days(tmp_path: Path) -> None:
    write(generate(CohortConfig()), tmp_path / "raw")
    assert_served_at_least_recency(build_and_check(tmp_path, tmp_path / "raw", COHORT_AS_OF))


@pytest.mark.dbt
def test_cdnow_served_scores_beat_recency_on_the_next_90_days(tmp_path: Path) -> None:
    if not CDNOW_SAMPLE.is_file():
        pytest.skip(f"CDNOW sample not found at {CDNOW_SAMPLE} (set CDNOW_SOURCE to its path)")
    convert(CDNOW_SAMPLE, tmp_path / "raw")
    # 8 of the 6,919 lines ($0 purchases) are quarantined: far below the default reject share
    assert_served_at_least_recency(build_and_check(tmp_path, tmp_path / "raw", CDNOW_AS_OF))
