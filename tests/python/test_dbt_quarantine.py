"""Dirty input: the build succeeds, every raw row is accounted for, each defect has its reason."""

from __future__ import annotations

import duckdb
import pytest

from conftest import FIXTURES, DbtRunner

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
def dirty_build(tmp_path_factory: pytest.TempPathFactory) -> DbtRunner:
    """Build the warehouse on the dirty fixture (reject share allowed: it is mostly defects)."""
    runner = DbtRunner(tmp_path_factory.mktemp("dirty"))
    result = runner.run(
        "build", dbt_vars={"raw_data_path": str(DIRTY), "max_reject_share": 1.0, "reject_share_warn": 1.0}
    )
    assert result.returncode == 0, result.output[-4000:]
    return runner


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
    # every documented reason except the impossible-in-CSV ones is exercised by the fixture
    assert reasons == documented


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
