"""Incremental clean_events over a late / corrected / duplicate batch, with late-arriving users,
equals a full refresh. (When `make run` builds incrementally is unit-tested in test_cli.py.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import DbtRunner
from customer_intel.devtools.demo_data.config import GeneratorConfig
from customer_intel.devtools.demo_data.generate import generate

pytestmark = pytest.mark.dbt

COMPARED = ("marts.clean_events", "marts.rejected_events")
# the event store and what reads it directly, with their data tests
SELECTED = ("--select", "+clean_events", "+rejected_events")


def make_base(raw: Path) -> None:
    """Small demo data set with events and users as folders of parts (part-001 = first load);
    the first users part holds only half of the people."""
    generate(GeneratorConfig(seed=11, users=300, items=60, days=120), raw)
    for table in ("events", "users"):
        (raw / table).mkdir()
        shutil.move(raw / f"{table}.parquet", raw / table / "part-001.parquet")
    con = duckdb.connect()
    users = raw / "users" / "part-001.parquet"
    con.execute(f"create table users as select * from read_parquet('{users}')")
    con.execute(f"copy (select * from users order by user_id limit 150) to '{users}'")
    # second load: the other half arrives late (and one person again, as a duplicate row)
    con.execute(
        f"copy (select * from users order by user_id offset 149) to '{raw / 'users' / 'late.parquet'}'"
    )
    con.close()


def add_batch(raw: Path) -> None:
    """Second load: a new part with late, corrected, duplicate and bad rows, and an in-place append."""
    part1 = raw / "events" / "part-001.parquet"
    con = duckdb.connect()
    con.execute(f"create table base as select * from read_parquet('{part1}')")
    # valid rows to derive the batch from (the demo data also holds planted bad rows)
    con.execute(
        "create view valid as select distinct * from base where event_id like 'E%' and user_id like 'U%' "
        "and item_id is not null and event_at between timestamp '1990-01-01' and timestamp '2090-01-01'"
    )
    con.execute(
        f"""
        copy (
            -- late events: new ids, stamped 40 days before the latest event
            select 'LATE-' || event_id as event_id, * exclude (event_id, event_at),
                event_at - interval 40 day as event_at
            from (select * from valid where event_type = 'view' order by event_id limit 20)
            union all by name
            -- corrections: same ids as loaded purchases, new quantity (the later load wins)
            select * replace (quantity + 5 as quantity)
            from (select * from valid where event_type = 'purchase' order by event_id limit 15)
            union all by name
            -- exact duplicates of loaded events
            select * from (select * from valid where event_type = 'add_to_cart' order by event_id limit 10)
            union all by name
            -- a bad row
            select * replace (null as user_id, 'BAD-1' as event_id)
            from (select * from valid order by event_id limit 1)
        ) to '{raw / "events" / "part-002.parquet"}'
        """
    )
    # in-place append to the first part: recent rows (within the lookback window)
    con.execute(
        f"""
        copy (
            select * from base
            union all by name
            select 'APPENDED-' || event_id as event_id, * exclude (event_id, event_at),
                event_at - interval 1 day as event_at
            from (select * from valid where event_type = 'view' order by event_at desc, event_id limit 5)
        ) to '{part1}'
        """
    )
    con.close()
    # the late users part becomes the second users load
    (raw / "users" / "late.parquet").rename(raw / "users" / "part-002.parquet")


def table_difference(a: Path, b: Path, table: str) -> tuple[int, int]:
    """Rows of `table` in a but not b, and in b but not a (multiset difference)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{a}' as a (read_only)")
        con.execute(f"attach '{b}' as b (read_only)")
        only_a = con.execute(
            f"select count(*) from (select * from a.{table} except all select * from b.{table})"
        ).fetchall()[0][0]
        only_b = con.execute(
            f"select count(*) from (select * from b.{table} except all select * from a.{table})"
        ).fetchall()[0][0]
        return only_a, only_b
    finally:
        con.close()


def test_incremental_equals_full_refresh(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    make_base(raw)
    (raw / "users" / "late.parquet").rename(tmp_path / "late.parquet")  # not loaded yet
    dbt_vars = {"raw_data_path": str(raw)}
    incremental = DbtRunner(tmp_path / "incremental")
    first = incremental.run("build", "--full-refresh", *SELECTED, dbt_vars=dbt_vars)
    assert first.returncode == 0, first.output[-3000:]
    before = incremental.query("select count(*) from marts.clean_events")[0][0]
    unknown_before = incremental.query("select count(*) from marts.clean_events where not is_known_user")[0][
        0
    ]
    assert unknown_before > 1000
    (tmp_path / "late.parquet").rename(raw / "users" / "late.parquet")

    add_batch(raw)
    second = incremental.run("build", *SELECTED, dbt_vars=dbt_vars)
    assert second.returncode == 0, second.output[-3000:]
    assert "incremental model intermediate.int_events_clean" in second.output

    full = DbtRunner(tmp_path / "full")
    refreshed = full.run("build", "--full-refresh", *SELECTED, dbt_vars=dbt_vars)
    assert refreshed.returncode == 0, refreshed.output[-3000:]

    for table in COMPARED:
        assert table_difference(incremental.db_path, full.db_path, table) == (0, 0), table
    # the batch really changed things: late + appended rows added, corrections applied
    after = incremental.query("select count(*) from marts.clean_events")[0][0]
    assert after == before + 20 + 5
    corrected = incremental.query(
        "select count(*) from marts.clean_events where source_file = 'part-002.parquet' "
        "and event_type = 'purchase'"
    )[0][0]
    assert corrected == 15
    # the late users' events are re-merged as known people
    unknown_after = incremental.query("select count(*) from marts.clean_events where not is_known_user")[0][0]
    assert unknown_after < unknown_before / 10
