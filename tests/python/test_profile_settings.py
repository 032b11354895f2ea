"""DuckDB's memory is bounded at connect time (customer_intel.ops.dbt_plugin): a share of the
machine's RAM up to a cap by default, or what the environment variables give, with spill files
next to the build file. Connect-time, because DuckDB refuses to move its spill directory once it
has spilled ("Cannot switch temporary directory after the current one has been used"), which is
what re-setting it on every cursor did at 10M events."""

from __future__ import annotations

import os

import duckdb
import pytest

from conftest import FIXTURES, DbtRunner
from customer_intel.ops.dbt_plugin import duckdb_resources, machine_ram_mib

pytestmark = pytest.mark.dbt

SHOW = (
    "select current_setting('memory_limit') as memory_limit, current_setting('temp_directory') as spill,"
    " current_setting('threads') as threads"
)


def duckdb_rendering(limit: str) -> str:
    """How DuckDB shows a memory_limit on this machine (e.g. '50%' -> '11.7 GiB')."""
    con = duckdb.connect()
    try:
        con.execute(f"set memory_limit = '{limit}'")
        return con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    finally:
        con.close()


DEFAULT_LIMIT = duckdb_resources({}, "x", machine_ram_mib())["memory_limit"]


@pytest.mark.parametrize(
    ("env", "limit", "threads"),
    [
        ({}, DEFAULT_LIMIT, os.cpu_count()),
        ({"CUSTOMER_INTEL_DUCKDB_MEMORY_LIMIT": "1GB", "CUSTOMER_INTEL_DUCKDB_THREADS": "1"}, "1GB", 1),
    ],
)
def test_memory_limit_threads_and_spill_directory(
    dbt_runner: DbtRunner, env: dict[str, str], limit: str, threads: int
) -> None:
    result = dbt_runner.run(
        "show", "--inline", SHOW, "--output", "json",
        dbt_vars={"raw_data_path": str(FIXTURES / "profiles")}, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.output[-3000:]
    assert f'"memory_limit": "{duckdb_rendering(limit)}"' in result.output, result.output[-2000:]
    assert f'"spill": "{dbt_runner.db_path}.tmp"' in result.output, result.output[-2000:]
    assert f'"threads": {threads}' in result.output, result.output[-2000:]


def test_default_memory_limit_is_a_capped_share_of_ram() -> None:
    assert duckdb_resources({}, "w/b.duckdb", 8192) == {
        "memory_limit": "2048MiB",
        "temp_directory": "w/b.duckdb.tmp",
    }
    assert duckdb_resources({}, "w/b.duckdb", 65536)["memory_limit"] == "2560MiB"


def test_threads_must_be_a_whole_number() -> None:
    with pytest.raises(ValueError, match="CUSTOMER_INTEL_DUCKDB_THREADS"):
        duckdb_resources({"CUSTOMER_INTEL_DUCKDB_THREADS": "two"}, "b.duckdb", 8192)
