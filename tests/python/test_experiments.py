"""A/B readout end to end: the planted demo effect is detected, an absent assignment file gives no rows.

The hand-computed checks (conversion window, counts, rates, lifts, z-test, p-value, interval,
sample-ratio check, status and the NULL statistics before `finished`, and the assignment
statuses of int_experiment_assignments) are dbt unit tests in
models/marts/experiments/_experiments__models.yml; they replaced `test_statistics_by_hand`,
which built a whole fixture warehouse for them."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from scipy import stats

from conftest import FIXTURES, DbtRunner

pytestmark = pytest.mark.dbt


def test_planted_demo_effect_is_detected(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = shared_build
    rows = {
        r[0]: r[1:]
        for r in runner.query(
            "select variant, assigned_users, users, converters, absolute_lift, z_score, p_value, ci_95_low, "
            "ci_95_high, srm_p_value, srm_flag from marts.experiment_results order by variant"
        )
    }
    assert set(rows) == {"control", "treatment"}
    n_c, x_c = rows["control"][1], rows["control"][2]
    n_t, x_t = rows["treatment"][1], rows["treatment"][2]
    _, _, _, lift, z, p, low, _, srm_p, flag = rows["treatment"]
    # recomputed with scipy from the counts
    pooled = (x_c + x_t) / (n_c + n_t)
    expected_z = (x_t / n_t - x_c / n_c) / math.sqrt(pooled * (1 - pooled) * (1 / n_t + 1 / n_c))
    assert z == pytest.approx(expected_z, abs=1e-9)
    assert p == pytest.approx(2 * stats.norm.sf(abs(expected_z)), rel=1e-5, abs=1e-12)
    counts = [rows["control"][0], rows["treatment"][0]]
    assert srm_p == pytest.approx(stats.chisquare(counts).pvalue, abs=1e-6)
    # the planted effect: one extra order for 20% of treatment people
    assert p < 0.001 and low > 0 and lift > 0.05
    assert flag is False


def test_absent_assignment_file_gives_empty_readout(dbt_runner: DbtRunner) -> None:
    result = dbt_runner.run(
        "build", "--select", "+experiment_results", dbt_vars={"raw_data_path": str(FIXTURES / "profiles")}
    )
    assert result.returncode == 0, result.output[-4000:]
    assert dbt_runner.query("select count(*) from marts.experiment_results") == [(0,)]
