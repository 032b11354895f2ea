"""Audiences: conditions validated at compile time, values escaped, membership and primary rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, DbtResult, DbtRunner

pytestmark = pytest.mark.dbt

PROFILES = str(FIXTURES / "profiles")


def audience(name: str, *conditions: dict, priority: int = 1) -> dict:
    """One audience definition."""
    return {"name": name, "priority": priority, "purpose": "test", "conditions": list(conditions)}


def compile_audiences(runner: DbtRunner, definition: dict) -> DbtResult:
    """`dbt compile` of audience_members with one audience definition."""
    dbt_vars = {"raw_data_path": PROFILES, "audiences": [definition]}
    return runner.run("compile", "--select", "audience_members", dbt_vars=dbt_vars)


INVALID = [
    (audience("a1", {"column": "email", "operator": "=", "value": "x"}),
     "audience 'a1': unknown column 'email'"),
    (audience("a2", {"column": "city", "operator": "like", "value": "x"}),
     "audience 'a2': unknown operator 'like'"),
    (audience("a3", {"column": "orders_in_window", "operator": ">", "value": "1; drop table x"}),
     "audience 'a3': orders_in_window is numeric"),
    (audience("a4", {"column": "city", "operator": "in", "value": "Lyon"}),
     "audience 'a4': operator in on city needs a non-empty list"),
    (audience("a5", {"column": "recommended_item_ids", "operator": "is_null"}),
     "audience 'a5': list column"),
    (audience("Bad Name", {"column": "city", "operator": "is_null"}), "lowercase letters"),
    (audience("a7"), "audience 'a7': needs at least one condition"),
    (audience("a1", {"column": "city", "operator": "is_null"}), "audience 'a1' is defined twice"),
]  # fmt: skip


def test_invalid_definitions_stop_with_every_audience_named(dbt_runner: DbtRunner) -> None:
    dbt_vars = {"raw_data_path": PROFILES, "audiences": [definition for definition, _ in INVALID]}
    result = dbt_runner.run("compile", "--select", "audience_members", dbt_vars=dbt_vars)
    assert result.returncode != 0
    assert f"invalid var audiences ({len(INVALID)} problems)" in result.output, result.output[-3000:]
    for _, message in INVALID:  # one compile reports every problem
        assert message in result.output, (message, result.output[-3000:])


def test_text_values_are_escaped_literals(dbt_runner: DbtRunner) -> None:
    hostile = "x') or true or ('"
    definition = audience("hostile", {"column": "city", "operator": "=", "value": hostile})
    result = compile_audiences(dbt_runner, definition)
    assert result.returncode == 0, result.output[-3000:]
    compiled = next((dbt_runner.workdir / "target" / "compiled").rglob("audience_members.sql")).read_text()
    assert "\"city\" = 'x'') or true or ('''" in compiled


def test_membership_and_primary_audience(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = shared_build
    # every member meets the conditions, every person meeting them is a member
    checks = runner.query(
        """
        select
            (select count(*) from marts.audience_members where audience_name = 'upsell_loyal_customers'),
            (select count(*) from marts.customer_360
             where rfm_segment in ('Champions', 'Loyal') and churn_risk_band in ('low', 'medium'))
        """
    )
    assert checks[0][0] == checks[0][1] > 100
    primaries = runner.query(
        "select count(*), count(distinct user_key) from marts.audience_members where is_primary"
    )[0]
    people = runner.query("select count(distinct user_key) from marts.audience_members")[0][0]
    assert primaries == (people, people)
    wrong_primary = runner.query(
        """
        select count(*) from marts.audience_members as m
        where m.is_primary and exists (
            select 1 from marts.audience_members as o
            where o.user_key = m.user_key and o.audience_priority < m.audience_priority
        )
        """
    )
    assert wrong_primary == [(0,)]
    sizes = dict(runner.query("select audience_name, member_count from marts.audiences"))
    assert len(sizes) == 5 and sizes["convert_browsers"] > 0


def test_audiences_target_lifetime_value(shared_build: tuple[DbtRunner, Path], tmp_path: Path) -> None:
    """customer_360's CLV columns are audience columns: an audience on P(alive) and clv_12m
    compiles, and run on the shared build it holds exactly the people who meet it."""
    runner, raw = shared_build
    definition = audience(
        "valuable_but_fading",
        {"column": "p_alive", "operator": "<", "value": 0.5},
        {"column": "clv_12m", "operator": ">", "value": 20},
    )
    compiler = DbtRunner(tmp_path)  # its file is also named build.duckdb: the same relation names
    result = compiler.run(
        "compile",
        "--select",
        "audience_members",
        dbt_vars={"raw_data_path": str(raw), "audiences": [definition]},
    )
    assert result.returncode == 0, result.output[-3000:]
    compiled = next((tmp_path / "target" / "compiled").rglob("audience_members.sql")).read_text()
    members = runner.query(f"select user_key from ({compiled}) as members order by user_key")
    expected = runner.query(
        "select user_key from marts.customer_360 where p_alive < 0.5 and clv_12m > 20 order by user_key"
    )
    assert members == expected and len(expected) > 0
