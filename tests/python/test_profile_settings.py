"""DuckDB's memory is bounded by the profile: a share of the machine's RAM by default, or the
size an environment variable gives, with spill files next to the build file."""

from __future__ import annotations

import duckdb
import pytest

from conftest import FIXTURES, DbtRunner

pytestmark = pytest.mark.dbt

SHOW = "select current_setting('memory_limit') as memory_limit, current_setting('temp_directory') as spill"


def duckdb_rendering(limit: str) -> str:
    """How DuckDB shows a memory_limit on this machine (e.g. '50%' -> '11.7 GiB')."""
    con = duckdb.connect()
    try:
        con.execute(f"set memory_limit = '{limit}'")
        return con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    finally:
        con.close()


@pytest.mark.parametrize(
    ("env", "limit"), [({}, "50%"), ({"CUSTOMER_INTEL_DUCKDB_MEMORY_LIMIT": "3GB"}, "3GB")]
)
def test_memory_limit_and_spill_directory(dbt_runner: DbtRunner, env: dict[str, str], limit: str) -> None:
    result = dbt_runner.run(
        "show", "--inline", SHOW, "--output", "json",
        dbt_vars={"raw_data_path": str(FIXTURES / "profiles")}, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.output[-3000:]
    assert f'"memory_limit": "{duckdb_rendering(limit)}"' in result.output, result.output[-2000:]
    assert f'"spill": "{dbt_runner.db_path}.tmp"' in result.output, result.output[-2000:]
