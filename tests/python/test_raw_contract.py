"""The raw-data contract: clear errors for missing files/columns, CSV and folder layouts, var checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, DbtRunner

pytestmark = pytest.mark.dbt

DIRTY = FIXTURES / "dirty"
RELAXED = {"max_reject_share": 1.0, "reject_share_warn": 1.0}


def copy_dirty(tmp_path: Path) -> Path:
    """A writable copy of the dirty fixture."""
    target = tmp_path / "raw"
    shutil.copytree(DIRTY, target)
    return target


def test_missing_column_fails_naming_file_and_column(dbt_runner: DbtRunner, tmp_path: Path) -> None:
    raw = copy_dirty(tmp_path)
    con = duckdb.connect()
    con.execute(
        f"copy (select * exclude (list_price) from read_csv('{DIRTY / 'items.csv'}', header = true)) "
        f"to '{raw / 'items.csv'}' (header)"
    )
    con.close()
    result = dbt_runner.run("build", dbt_vars={"raw_data_path": str(raw), **RELAXED})
    assert result.returncode != 0
    assert "items.csv is missing required column 'list_price'" in result.output
    assert "Traceback" not in result.output


def test_missing_file_fails_naming_the_table(dbt_runner: DbtRunner, tmp_path: Path) -> None:
    raw = copy_dirty(tmp_path)
    (raw / "users.csv").unlink()
    result = dbt_runner.run("build", dbt_vars={"raw_data_path": str(raw), **RELAXED})
    assert result.returncode != 0
    assert "no file for source table 'users'" in result.output


def test_ambiguous_files_fail(dbt_runner: DbtRunner, tmp_path: Path) -> None:
    raw = copy_dirty(tmp_path)
    con = duckdb.connect()
    con.execute(f"copy (select * from read_csv('{raw / 'items.csv'}')) to '{raw / 'items.parquet'}'")
    con.close()
    result = dbt_runner.run("build", dbt_vars={"raw_data_path": str(raw), **RELAXED})
    assert result.returncode != 0
    assert "source table 'items' is ambiguous" in result.output


def test_parquet_folder_of_parts_and_extra_columns(dbt_runner: DbtRunner, tmp_path: Path) -> None:
    raw = copy_dirty(tmp_path)
    (raw / "events").mkdir()
    con = duckdb.connect()
    events = f"read_csv('{raw / 'events.csv'}', header = true, all_varchar = true) with ordinality"
    con.execute(
        f"copy (select * exclude (ordinality), 'extra' as unrelated from {events} where ordinality <= 10) "
        f"to '{raw / 'events' / 'part-001.parquet'}'"
    )
    con.execute(
        f"copy (select * exclude (ordinality) from {events} where ordinality > 10) "
        f"to '{raw / 'events' / 'part-002.parquet'}'"
    )
    con.close()
    (raw / "events.csv").unlink()
    result = dbt_runner.run(
        "build", "--select", "+int_events_classified", dbt_vars={"raw_data_path": str(raw), **RELAXED}
    )
    assert result.returncode == 0, result.output[-3000:]
    files = dbt_runner.query(
        "select source_file, count(*), min(source_row_number), max(source_row_number) "
        "from intermediate.int_events_classified group by 1 order by 1"
    )
    rest = (DIRTY / "events.csv").read_text().count("\n") - 1 - 10  # data lines after the first 10
    assert files == [("part-001.parquet", 10, 1, 10), ("part-002.parquet", rest, 1, rest)]


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("as_of_date", "2026-01-01'; drop table x; --", "var as_of_date must be a real date YYYY-MM-DD"),
        ("max_reject_share", "0.05 or 1=1", "var max_reject_share must be a finite number in [0, 1]"),
        ("incremental_lookback_days", "3; select 1", "var incremental_lookback_days must be an integer"),
        ("load_time", "now()", "var load_time must be YYYY-MM-DD[ HH:MM:SS]"),
    ],
)
def test_vars_reaching_sql_are_validated(
    dbt_runner: DbtRunner, tmp_path: Path, var: str, value: str, message: str
) -> None:
    result = dbt_runner.run("build", dbt_vars={"raw_data_path": str(DIRTY), **RELAXED, var: value})
    assert result.returncode != 0
    assert message in result.output


def test_quote_in_raw_path_is_escaped(dbt_runner: DbtRunner, tmp_path: Path) -> None:
    raw = tmp_path / "it's raw"
    shutil.copytree(DIRTY, raw)
    result = dbt_runner.run(
        "build", "--select", "+raw_load_summary", dbt_vars={"raw_data_path": str(raw), **RELAXED}
    )
    assert result.returncode == 0, result.output[-3000:]
    # every line of the fixture's events file was read through the quoted path
    events = (DIRTY / "events.csv").read_text().count("\n") - 1
    summary = "select sum(row_count) from marts.raw_load_summary where source_table = 'events'"
    assert dbt_runner.query(summary) == [(events,)]
