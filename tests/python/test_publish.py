"""Publishing: only green builds, only BI schemas, comments kept, atomic replacement."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from customer_intel.ops.publish import PublishError, failed_nodes, publish


def make_build(path: Path, value: int) -> None:
    """A tiny build file with a published schema, a restricted one and comments."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema restricted; create schema staging")
    con.execute(f"create table marts.facts as select {value} as n, 'x' as label")
    con.execute("comment on table marts.facts is 'Facts for BI'")
    con.execute("comment on column marts.facts.n is 'A number'")
    con.execute("create table restricted.key_map as select 'k' as user_key, 'U1' as user_id")
    con.execute("create view staging.v as select 1 as one")
    con.close()


def write_results(path: Path, statuses: list[str]) -> Path:
    """A minimal dbt run_results.json with the given node statuses."""
    results = [{"unique_id": f"model.p.m{i}", "status": s} for i, s in enumerate(statuses)]
    path.write_text(json.dumps({"results": results}))
    return path


def read_published(path: Path) -> tuple[list[tuple], list[tuple], str | None]:
    """(tables, rows of facts, table comment) of a published file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute("select schema_name, table_name from duckdb_tables() order by all").fetchall()
        rows = con.execute("select * from main.facts").fetchall()
        comment = con.execute("select comment from duckdb_tables() where table_name = 'facts'").fetchall()[0][
            0
        ]
        return tables, rows, comment
    finally:
        con.close()


def test_publishes_only_bi_schemas_with_comments(tmp_path: Path) -> None:
    make_build(tmp_path / "build.duckdb", 1)
    results = write_results(tmp_path / "run_results.json", ["success", "pass", "warn"])
    assert publish(tmp_path / "build.duckdb", tmp_path / "pub.duckdb", results) == ["facts"]
    tables, rows, comment = read_published(tmp_path / "pub.duckdb")
    assert tables == [("main", "facts")]
    assert rows == [(1, "x")]
    assert comment == "Facts for BI"
    assert not list(tmp_path.glob("*.tmp"))


def test_failed_build_is_not_published_and_old_file_survives(tmp_path: Path) -> None:
    make_build(tmp_path / "build.duckdb", 1)
    publish(
        tmp_path / "build.duckdb", tmp_path / "pub.duckdb", write_results(tmp_path / "ok.json", ["success"])
    )
    (tmp_path / "build.duckdb").unlink()
    make_build(tmp_path / "build.duckdb", 2)
    bad = write_results(tmp_path / "bad.json", ["success", "fail", "skipped"])
    with pytest.raises(PublishError, match="not green"):
        publish(tmp_path / "build.duckdb", tmp_path / "pub.duckdb", bad)
    assert read_published(tmp_path / "pub.duckdb")[1] == [(1, "x")]


def test_republish_replaces_while_a_reader_holds_the_old_file(tmp_path: Path) -> None:
    make_build(tmp_path / "build.duckdb", 1)
    ok = write_results(tmp_path / "ok.json", ["success"])
    publish(tmp_path / "build.duckdb", tmp_path / "pub.duckdb", ok)
    reader = duckdb.connect(str(tmp_path / "pub.duckdb"), read_only=True)
    try:
        (tmp_path / "build.duckdb").unlink()
        make_build(tmp_path / "build.duckdb", 2)
        publish(tmp_path / "build.duckdb", tmp_path / "pub.duckdb", ok)
        assert reader.execute("select n from main.facts").fetchall() == [(1,)]  # old snapshot
    finally:
        reader.close()
    assert read_published(tmp_path / "pub.duckdb")[1] == [(2, "x")]


def test_failed_nodes_lists_every_non_green_status(tmp_path: Path) -> None:
    results = write_results(tmp_path / "r.json", ["success", "error", "pass", "runtime error", "warn"])
    assert failed_nodes(results) == ["model.p.m1 (error)", "model.p.m3 (runtime error)"]


def test_missing_run_results_or_build_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="no dbt run results"):
        publish(tmp_path / "build.duckdb", tmp_path / "pub.duckdb", tmp_path / "none.json")
    with pytest.raises(PublishError, match="does not exist"):
        publish(tmp_path / "build.duckdb", tmp_path / "pub.duckdb", None)
