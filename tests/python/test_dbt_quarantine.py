"""Dirty input: the build succeeds, every raw row is accounted for, each defect has its reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, DbtResult, DbtRunner

pytestmark = pytest.mark.dbt

DIRTY = FIXTURES / "dirty"


def expected_rows() -> list[tuple[int, str, str | None]]:
    """(row number, expected outcome, expected reason) for each row of the fixture's events.csv."""
    con = duckdb.connect()
    try:
        return con.execute(
            "select ordinality, expected_outcome, expected_reason "
            "from read_csv(?, header = true, all_varchar = true) with ordinality order by 1",
            [str(DIRTY / "events.csv")],
        ).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def dirty_build_result(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtRunner, DbtResult]:
    """The warehouse built on the dirty fixture, which is mostly defects: the reject share may
    reach 100% (`max_reject_share` 1.0) but stays above the default warning level."""
    runner = DbtRunner(tmp_path_factory.mktemp("dirty"))
    result = runner.run("build", dbt_vars={"raw_data_path": str(DIRTY), "max_reject_share": 1.0})
    assert result.returncode == 0, result.output[-4000:]
    return runner, result


@pytest.fixture
def dirty_build(dirty_build_result: tuple[DbtRunner, DbtResult]) -> DbtRunner:
    """The runner of the dirty build (read-only use)."""
    return dirty_build_result[0]


def copy_of(runner: DbtRunner, workdir: Path) -> DbtRunner:
    """A runner on a copy of `runner`'s build file, for tests that change or re-test it."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(runner.db_path, workdir / "build.duckdb")
    return DbtRunner(workdir)


def test_every_row_gets_its_expected_outcome_and_reason(dirty_build: DbtRunner) -> None:
    got = {
        row: (outcome, reason)
        for row, outcome, reason in dirty_build.query(
            "select source_row_number, outcome, reject_reason from intermediate.int_events_classified"
        )
    }
    expected = {row: (outcome, reason) for row, outcome, reason in expected_rows()}
    assert got == expected


def test_every_defect_kind_is_in_rejected_events(dirty_build: DbtRunner) -> None:
    reasons = {r for (r,) in dirty_build.query("select distinct reject_reason from marts.rejected_events")}
    documented = {r for (r,) in dirty_build.query("select reject_reason from reference.reject_reasons")}
    # every documented reason is exercised by the fixture, except malformed CSV records (which
    # the fixture's own expected-outcome columns could not be read from): test_hostile_inputs
    assert reasons == documented - {"malformed_csv_line"}


def test_raw_rows_reconcile(dirty_build: DbtRunner) -> None:
    raw = len(expected_rows())
    clean = dirty_build.query("select count(*) from marts.clean_events")[0][0]
    quarantined = dirty_build.query("select count(*) from marts.rejected_events")[0][0]
    assert clean + quarantined == raw


def test_kept_values_are_parsed_and_normalised(dirty_build: DbtRunner) -> None:
    rows = dict(
        (event_id, (event_type, channel, str(event_at), quantity, str(revenue)))
        for event_id, event_type, channel, event_at, quantity, revenue in dirty_build.query(
            "select event_id, event_type, channel, event_at, quantity, revenue from marts.clean_events"
        )
    )
    assert rows["e09"][:2] == ("purchase", "community_group")  # case-insensitive type, channel
    assert rows["e27"][2] == "2026-01-06 00:00:00"  # +08:00 converted to UTC
    assert rows["e28"][3] == 3  # the later correction wins
    assert rows["e03"][4] == "-10.5000"  # refunds net against revenue
    assert rows["e26"][1] == "unknown"  # missing channel
    assert rows["e30"][0] == "view"  # whitespace around the type


def test_unknown_user_and_item_are_kept_and_flagged(dirty_build: DbtRunner) -> None:
    flags = dict(
        (e, (u, i))
        for e, u, i in dirty_build.query(
            "select event_id, is_known_user, is_known_item from marts.clean_events"
        )
    )
    assert flags["e25"] == (False, True)
    assert flags["e26"] == (True, False)
    assert flags["e01"] == (True, True)


def test_duplicates_point_at_the_kept_row(dirty_build: DbtRunner) -> None:
    pointers = dirty_build.query(
        "select source_row_number, duplicate_of_source_row_number from marts.rejected_events "
        "where outcome = 'duplicate' order by 1"
    )
    assert pointers == [(2, 24), (28, 29)]


def test_reject_share_warns_then_errors(
    dirty_build_result: tuple[DbtRunner, DbtResult], tmp_path: Path
) -> None:
    name = "test.customer_intel.assert_reject_share_within_limits"
    runner, warn_only = dirty_build_result  # max_reject_share 1.0, default warning level (1%)
    assert {s for uid, s in warn_only.statuses().items() if uid.startswith(name)} == {"warn"}
    strict = copy_of(runner, tmp_path).run(  # defaults: warn above 1%, fail above 5%
        "test", "--select", "assert_reject_share_within_limits", dbt_vars={"raw_data_path": str(DIRTY)}
    )
    assert strict.returncode != 0
    assert {s for uid, s in strict.statuses().items() if uid.startswith(name)} == {"fail"}


def test_reconciliation_fires_when_a_row_goes_missing(dirty_build: DbtRunner, tmp_path: Path) -> None:
    relaxed = {"raw_data_path": str(DIRTY), "max_reject_share": 1.0}
    runner = copy_of(dirty_build, tmp_path)
    passing = runner.run("test", "--select", "assert_raw_events_reconcile", dbt_vars=relaxed)
    assert passing.returncode == 0, passing.output[-3000:]
    con = duckdb.connect(str(runner.db_path))
    con.execute("delete from marts.clean_events where event_id = 'e01'")
    con.close()
    result = runner.run("test", "--select", "assert_raw_events_reconcile", dbt_vars=relaxed)
    assert result.returncode != 0
    tests = {uid: s for uid, s in result.statuses().items() if uid.startswith("test.")}
    assert list(tests.values()) == ["fail"]


def test_as_of_date_replays_the_past(dirty_build: DbtRunner, tmp_path: Path) -> None:
    # default: the latest clean event date; every clean event is visible
    assert dirty_build.query("select distinct as_of_date from intermediate.int_events_as_of") == [
        (dirty_build.query("select max(event_date) from marts.clean_events")[0][0],)
    ]
    runner = copy_of(dirty_build, tmp_path)
    replay = runner.run(
        "build",
        "--select",
        "int_analysis_date",
        "int_events_as_of",
        dbt_vars={"raw_data_path": str(DIRTY), "as_of_date": "2026-01-05", "max_reject_share": 1.0},
    )
    assert replay.returncode == 0, replay.output[-3000:]
    dates = runner.query(
        "select min(event_date), max(event_date), count(*) from intermediate.int_events_as_of"
    )
    expected = runner.query("select count(*) from marts.clean_events where event_date <= date '2026-01-05'")
    assert str(dates[0][1]) == "2026-01-05"
    assert dates[0][2] == expected[0][0] < runner.query("select count(*) from marts.clean_events")[0][0]
