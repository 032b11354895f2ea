"""Publish the BI-facing schemas of the build file into a separate DuckDB file, atomically.

dbt writes `warehouse/build.duckdb`. BI reads `warehouse/marketing.duckdb`, which this module
replaces only after a green build: the tables of the published schemas are copied (with their
table and column comments) into a temporary file written in a storage format DuckDB 1.x can
read, and that file is renamed over the published one. A BI tool holding the old file open
keeps reading the old, complete version; nobody ever sees a half-built or failed state.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

# Schemas of the build file that BI may read, and the schema they land in when published.
PUBLISHED_SCHEMAS: dict[str, str] = {"marts": "main"}
# DuckDB 1.0+ can open files written with this storage version.
STORAGE_VERSION = "v1.0.0"
# exposures report `no-op`: they have nothing to run
GREEN_STATUSES = frozenset({"success", "pass", "warn", "no-op"})


class PublishError(RuntimeError):
    """Raised when the build is not in a state that may be published."""


def quote_identifier(name: str) -> str:
    """Return `name` as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Return `value` as a single-quoted SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def failed_nodes(run_results_path: Path) -> list[str]:
    """Return '<node> (<status>)' for every result of a dbt run that is not green."""
    results = json.loads(run_results_path.read_text())["results"]
    return [f"{r['unique_id']} ({r['status']})" for r in results if r["status"] not in GREEN_STATUSES]


def published_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str, str | None]]:
    """Return (schema, table, comment) of every base table in a published schema, sorted."""
    placeholders = ", ".join("?" for _ in PUBLISHED_SCHEMAS)
    return con.execute(
        f"""
        select schema_name, table_name, comment
        from duckdb_tables()
        where database_name = ? and schema_name in ({placeholders})
        order by schema_name, table_name
        """,
        [catalog, *PUBLISHED_SCHEMAS],
    ).fetchall()


def copy_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, comment: str | None) -> None:
    """Copy build.<schema>.<table> into pub.<published schema>.<table> with its comments."""
    target = f"pub.{quote_identifier(PUBLISHED_SCHEMAS[schema])}.{quote_identifier(table)}"
    source = f"build.{quote_identifier(schema)}.{quote_identifier(table)}"
    con.execute(f"create table {target} as select * from {source}")
    if comment:
        con.execute(f"comment on table {target} is {quote_literal(comment)}")
    columns = con.execute(
        """
        select column_name, comment from duckdb_columns()
        where database_name = 'build' and schema_name = ? and table_name = ? and comment is not null
        order by column_index
        """,
        [schema, table],
    ).fetchall()
    for column, column_comment in columns:
        con.execute(
            f"comment on column {target}.{quote_identifier(column)} is {quote_literal(column_comment)}"
        )


def publish(build_db: Path, published_db: Path, run_results: Path | None = None) -> list[str]:
    """Copy the published schemas of `build_db` into `published_db` atomically; return table names."""
    if run_results is not None:
        if not run_results.exists():
            raise PublishError(f"no dbt run results at {run_results}: run `dbt build` first")
        bad = failed_nodes(run_results)
        if bad:
            raise PublishError("the last dbt build was not green; not publishing. Failed: " + ", ".join(bad))
    if not build_db.exists():
        raise PublishError(f"build file {build_db} does not exist: run `dbt build` first")
    published_db.parent.mkdir(parents=True, exist_ok=True)
    tmp = published_db.with_name(published_db.name + ".tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"attach {quote_literal(str(build_db))} as build (read_only)")
        con.execute(
            f"attach {quote_literal(str(tmp))} as pub (storage_version {quote_literal(STORAGE_VERSION)})"
        )
        for target_schema in sorted(set(PUBLISHED_SCHEMAS.values())):
            con.execute(f"create schema if not exists pub.{quote_identifier(target_schema)}")
        tables = published_tables(con, "build")
        if not tables:
            raise PublishError(f"no tables in schemas {sorted(PUBLISHED_SCHEMAS)} of {build_db}")
        for schema, table, comment in tables:
            copy_table(con, schema, table, comment)
        con.execute("detach pub")
    finally:
        con.close()
    os.replace(tmp, published_db)
    return [table for _, table, _ in tables]
