"""The `make run` driver: when an incremental build is exact, and input validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from customer_intel.ops.cli import build_state, dbt_env, only_files_added, parse_as_of, run_input_env


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


def test_as_of_date_is_validated() -> None:
    assert parse_as_of("2026-03-01") == "2026-03-01"
    assert parse_as_of(None) is None
    with pytest.raises(SystemExit):
        parse_as_of("2026-03-01'; drop table x; --")


def test_run_inputs_reach_dbt_as_environment_variables(tmp_path: Path) -> None:
    out = dbt_env(tmp_path / "it's here", "2026-01-01", 0.3)
    assert out == {
        "CUSTOMER_INTEL_RAW_DATA_PATH": str(tmp_path / "it's here"),
        "CUSTOMER_INTEL_AS_OF_DATE": "2026-01-01",
        "CUSTOMER_INTEL_MAX_REJECT_SHARE": "0.3",
    }
    # unset inputs are set empty, so a value exported in the shell cannot leak in
    assert dbt_env(tmp_path, None, None)["CUSTOMER_INTEL_AS_OF_DATE"] == ""
    # the names come from the registry (dbt_project.yml var_specs `env`), for these vars only
    assert set(run_input_env()) == {"raw_data_path", "as_of_date", "max_reject_share"}
