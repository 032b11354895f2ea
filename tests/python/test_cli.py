"""The `make run` driver: when an incremental build is exact, and input validation."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from customer_intel.ops.cli import (
    build_state,
    dbt_env,
    failure_hint,
    only_files_added,
    parse_as_of,
    parse_min_event_date,
    parse_zero_price_purchases,
    run_input_env,
)


def test_incremental_only_when_files_were_only_added(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "part-1.parquet").write_bytes(b"a")
    (tmp_path / "_truth").mkdir()
    first = build_state(tmp_path, "k")
    assert not only_files_added(None, first)  # first build: full refresh
    assert only_files_added(first, build_state(tmp_path, "k"))  # nothing changed
    (tmp_path / "_truth" / "x").write_bytes(b"ignored")  # planted truth is not an input
    assert only_files_added(first, build_state(tmp_path, "k"))
    (tmp_path / "events" / "part-2.parquet").write_bytes(b"b")
    second = build_state(tmp_path, "k")
    assert only_files_added(first, second)  # a new part: incremental is exact
    assert not only_files_added(second, build_state(tmp_path, "other-secret"))
    (tmp_path / "events" / "part-1.parquet").write_bytes(b"rewritten")
    assert not only_files_added(second, build_state(tmp_path, "k"))  # rewritten: full refresh


def test_a_new_min_event_date_forces_a_full_refresh(tmp_path: Path) -> None:
    # rows of loaded files outside the re-merge window would keep the old bound's outcome
    default = build_state(tmp_path, "k")
    assert default["min_event_date"] == "1990-01-01"  # the registry's default when not given
    assert only_files_added(default, build_state(tmp_path, "k", "1990-01-01"))
    assert not only_files_added(default, build_state(tmp_path, "k", "1997-01-01"))
    # a state written before the bound existed: full refresh once
    assert not only_files_added({k: v for k, v in default.items() if k != "min_event_date"}, default)


def test_a_new_zero_price_policy_forces_a_full_refresh(tmp_path: Path) -> None:
    # rows at price 0 of loaded files outside the re-merge window would keep their old outcome
    default = build_state(tmp_path, "k")
    assert default["zero_price_purchases"] == "quarantine"
    assert only_files_added(default, build_state(tmp_path, "k", None, "quarantine"))
    assert not only_files_added(default, build_state(tmp_path, "k", None, "keep"))
    assert not only_files_added({k: v for k, v in default.items() if k != "zero_price_purchases"}, default)


def test_zero_price_purchases_is_validated(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_zero_price_purchases("keep") == "keep"
    assert parse_zero_price_purchases(" KEEP ") == "keep"
    assert parse_zero_price_purchases(None) is None and parse_zero_price_purchases("") is None
    with pytest.raises(SystemExit):
        parse_zero_price_purchases("keep'; drop table x; --")
    assert "ZERO_PRICE_PURCHASES must be one of quarantine, keep" in capsys.readouterr().err


def test_as_of_date_is_validated() -> None:
    assert parse_as_of("2026-03-01") == "2026-03-01"
    assert parse_as_of(None) is None
    with pytest.raises(SystemExit):
        parse_as_of("2026-03-01'; drop table x; --")


def test_min_event_date_is_validated(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_min_event_date("1997-01-01") == "1997-01-01"
    assert parse_min_event_date(None) is None and parse_min_event_date("") is None
    for bad in ("1997-02-30", "1997-01-01' or 1=1 --"):
        with pytest.raises(SystemExit):
            parse_min_event_date(bad)
        assert f"MIN_EVENT_DATE must be a date YYYY-MM-DD, got {bad!r}" in capsys.readouterr().err


def test_run_inputs_reach_dbt_as_environment_variables(tmp_path: Path) -> None:
    out = dbt_env(tmp_path / "it's here", "2026-01-01", 0.3, "1997-01-01", "keep")
    assert out == {
        "CUSTOMER_INTEL_RAW_DATA_PATH": str(tmp_path / "it's here"),
        "CUSTOMER_INTEL_AS_OF_DATE": "2026-01-01",
        "CUSTOMER_INTEL_MAX_REJECT_SHARE": "0.3",
        "CUSTOMER_INTEL_MIN_EVENT_DATE": "1997-01-01",
        "CUSTOMER_INTEL_ZERO_PRICE_PURCHASES": "keep",
    }
    # unset inputs are set empty, so a value exported in the shell cannot leak in
    unset = dbt_env(tmp_path, None, None)
    assert unset["CUSTOMER_INTEL_AS_OF_DATE"] == unset["CUSTOMER_INTEL_MIN_EVENT_DATE"] == ""
    assert unset["CUSTOMER_INTEL_ZERO_PRICE_PURCHASES"] == ""
    # the names come from the registry (dbt_project.yml var_specs `env`), for these vars only
    assert set(run_input_env()) == {
        "raw_data_path", "as_of_date", "max_reject_share", "min_event_date", "zero_price_purchases"
    }  # fmt: skip


def classified_build(tmp_path: Path, too_old: int, kept: int) -> tuple[Path, Path]:
    """A build file whose int_events_classified has `too_old` rows before min_event_date and
    `kept` kept rows, and run results where the reject-share test failed."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    build_db = tmp_path / "build.duckdb"
    con = duckdb.connect(str(build_db))
    con.execute("create schema intermediate")
    con.execute("create table intermediate.int_events_classified (reject_reason varchar)")
    rows = [("timestamp_before_min_event_date",)] * too_old + [(None,)] * kept
    con.executemany("insert into intermediate.int_events_classified values (?)", rows)
    con.close()
    run_results = tmp_path / "run_results.json"
    failed = {"unique_id": "test.customer_intel.assert_reject_share_within_limits", "status": "fail",
              "message": "Got 2 results, configured to fail if >=2"}  # fmt: skip
    run_results.write_text(json.dumps({"results": [failed]}))
    return build_db, run_results


def test_reject_share_failure_names_min_event_date_when_most_rows_are_too_old(tmp_path: Path) -> None:
    hint = failure_hint(*classified_build(tmp_path, too_old=6, kept=4))
    assert "6 of 10 raw events (60.0%) are timestamp_before_min_event_date" in hint
    assert "older than var min_event_date (1990-01-01)" in hint
    assert "make run ... MIN_EVENT_DATE=YYYY-MM-DD" in hint
    assert "MAX_REJECT_SHARE" not in hint
    # the bound in force when the run set one
    assert "older than var min_event_date (1997-01-01)" in failure_hint(
        *classified_build(tmp_path / "set", too_old=6, kept=4), "1997-01-01"
    )


def test_reject_share_failure_advises_max_reject_share_otherwise(tmp_path: Path) -> None:
    hint = failure_hint(*classified_build(tmp_path, too_old=5, kept=5))  # half is not most
    assert "raise MAX_REJECT_SHARE (e.g. make run ... MAX_REJECT_SHARE=0.3)" in hint
    assert "MIN_EVENT_DATE" not in hint
