"""A/B readout: hand-computed statistics on a small fixture, the planted demo effect, absent file."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from scipy import stats

from conftest import FIXTURES, DbtRunner

pytestmark = pytest.mark.dbt


def write_fixture(raw: Path) -> None:
    """40 people in three variants (control 10, a 10, b 20) plus rows that must be left out.

    Converters (purchase within 14 days of 2026-03-01 10:00): control 2, a 5, b 10. One control
    person buys only on day 20 (outside the window)."""
    raw.mkdir(parents=True)
    (raw / "items.csv").write_text("item_id,item_name,category,brand,list_price\ni1,Item,misc,Acme,10\n")
    users = ["user_id,signed_up_at,email,phone,city,birth_year,acquisition_channel"]
    events = ["event_id,user_id,event_type,item_id,order_id,quantity,unit_price,event_at,channel"]
    assignments = ["user_id,experiment_id,variant,assigned_at"]
    plan = [("control", 10, 2), ("a", 10, 5), ("b", 20, 10)]
    n = 0
    for variant, size, converters in plan:
        for k in range(size):
            user = f"p{n:02d}"
            users.append(f"{user},2026-01-01 00:00:00,,,Lyon,1990,organic")
            events.append(f"v{n},{user},view,i1,,1,,2026-02-20 09:00:00,app")
            if k < converters:
                events.append(f"b{n},{user},purchase,i1,o{n},1,10,2026-03-05 12:00:00,app")
            assignments.append(f"{user},exp1,{variant},2026-03-01 10:00:00")
            n += 1
    events.append("late,p09,purchase,i1,olate,1,10,2026-03-20 12:00:00,app")  # control, outside the window
    users.append("px,2026-01-01 00:00:00,,,Lyon,1990,organic")
    assignments += [
        "px,exp1,control,2026-03-01 10:00:00",  # in two variants: all their rows are left out
        "px,exp1,a,2026-03-01 11:00:00",
        "p00,exp1,control,2026-03-02 10:00:00",  # repeated: the first assignment counts
        "p01,exp1,,2026-03-01 10:00:00",  # no variant
    ]
    (raw / "users.csv").write_text("\n".join(users) + "\n")
    (raw / "events.csv").write_text("\n".join(events) + "\n")
    (raw / "experiment_assignments.csv").write_text("\n".join(assignments) + "\n")


def test_statistics_by_hand(tmp_path: Path) -> None:
    write_fixture(tmp_path / "raw")
    runner = DbtRunner(tmp_path)
    dbt_vars = {"raw_data_path": str(tmp_path / "raw"), "as_of_date": "2026-04-30"}
    result = runner.run("build", "--select", "+experiment_results", dbt_vars=dbt_vars)
    assert result.returncode == 0, result.output[-4000:]
    status_sql = "select assignment_status, count(*) from intermediate.int_experiment_assignments group by 1"
    status = dict(runner.query(status_sql))
    assert status == {"valid": 40, "conflicting_variant": 2, "repeated_assignment": 1, "missing_field": 1}
    rows = {
        r[0]: r[1:]
        for r in runner.query(
            "select variant, users, converters, conversion_rate, absolute_lift, z_score, p_value, "
            "ci_95_low, ci_95_high, srm_chi_square, srm_p_value, srm_flag from marts.experiment_results"
        )
    }
    assert rows["control"][:3] == (10, 2, 0.2)
    assert rows["control"][3:8] == (None, None, None, None, None)
    # variant a vs control: p_c = 0.2, p_a = 0.5, pooled 0.35
    users, converters, rate, lift, z, p, low, high, chi2, srm_p, flag = rows["a"]
    assert (users, converters, rate) == (10, 5, 0.5)
    assert lift == pytest.approx(0.3, abs=1e-12)
    assert z == pytest.approx(0.3 / math.sqrt(0.35 * 0.65 * (1 / 10 + 1 / 10)), abs=1e-9)  # 1.40642
    assert p == pytest.approx(0.1595989, abs=1e-6)
    half_width = 1.959963984540054 * math.sqrt(0.2 * 0.8 / 10 + 0.5 * 0.5 / 10)  # 0.396864
    assert low == pytest.approx(0.3 - half_width, abs=1e-9)
    assert high == pytest.approx(0.3 + half_width, abs=1e-9)
    # SRM: counts 10, 10, 20 against 40/3 each: chi2 = 5, df 2, p = exp(-2.5)
    assert chi2 == pytest.approx(5.0, abs=1e-9)
    assert srm_p == pytest.approx(math.exp(-2.5), abs=1e-9)
    assert flag is False
    b = rows["b"]
    assert b[:3] == (20, 10, 0.5)
    z_b = 0.3 / math.sqrt((12 / 30) * (18 / 30) * (1 / 20 + 1 / 10))  # pooled 12/30
    assert b[5] == pytest.approx(2 * stats.norm.sf(z_b), abs=1e-6)


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
