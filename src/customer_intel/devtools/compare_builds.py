"""Compare the tables of two builds: a DuckDB build against another DuckDB build or a Spark one.

A build is a DuckDB file (`--left`, `--right`) or the warehouse directory of a local Spark build
(`--right-spark DIR`: Spark writes each table as Parquet files under `<schema>.db/<table>/`, which
DuckDB reads). For every table of the compared schemas (default: `marts`, what `make publish`
serves to BI) both sides must have the same column names, in order, and the same rows as
multisets: `except all` both ways is empty, after one normalisation per column:

* numbers are compared as DOUBLE rounded to `--decimals` places (default 9), because engines
  differ in decimal result types and in the last bits of floating-point sums;
* dates, timestamps, lists and structs are compared as their text (`cast(... as varchar)`), so a
  DATE on one side and the same day as a timestamp on the other still differ;
* everything else as it is.

`--exact` compares the raw values and the column types (for two DuckDB builds that must be
byte-identical). The report is one Markdown table; the exit code is 1 when any table differs.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

NUMERIC_PREFIXES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
    "REAL",
)
TEXT_PREFIXES = ("DATE", "TIME", "TIMESTAMP", "INTERVAL")


@dataclass(frozen=True)
class TableComparison:
    """The outcome of comparing one table."""

    schema: str
    table: str
    left_rows: int | None
    right_rows: int | None
    only_left: int
    only_right: int
    problem: str

    @property
    def equal(self) -> bool:
        """True when the table is present on both sides with the same rows."""
        return not self.problem and self.only_left == 0 and self.only_right == 0


def quote(name: str) -> str:
    """`name` as a double-quoted DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def sql_text(value: str) -> str:
    """`value` as a DuckDB string literal (quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def normalised_expression(column: str, data_type: str, decimals: int) -> str:
    """The comparison form of one column (see the module docstring)."""
    upper = data_type.upper()
    if upper.startswith(TEXT_PREFIXES) or upper.endswith("]") or upper.startswith(("STRUCT", "MAP", "UNION")):
        return f"cast({quote(column)} as varchar) as {quote(column)}"
    if upper.startswith(NUMERIC_PREFIXES):
        return f"round(cast({quote(column)} as double), {int(decimals)}) as {quote(column)}"
    return quote(column)


def spark_tables(warehouse: Path, schemas: list[str]) -> dict[tuple[str, str], str]:
    """(schema, table) -> Parquet glob of every table of `schemas` in a Spark warehouse directory."""
    found: dict[tuple[str, str], str] = {}
    for schema in schemas:
        schema_dir = warehouse / f"{schema}.db"
        if not schema_dir.is_dir():
            continue
        for table_dir in sorted(p for p in schema_dir.iterdir() if p.is_dir()):
            if any(table_dir.glob("*.parquet")):
                found[(schema, table_dir.name)] = str(table_dir / "*.parquet")
    return found


def duckdb_tables(
    con: duckdb.DuckDBPyConnection, catalog: str, schemas: list[str]
) -> dict[tuple[str, str], str]:
    """(schema, table) -> qualified name of every base table of `schemas` in an attached file."""
    rows = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? and schema_name in "
        f"({', '.join('?' for _ in schemas)}) order by 1, 2",
        [catalog, *schemas],
    ).fetchall()
    return {(s, t): f"{quote(catalog)}.{quote(s)}.{quote(t)}" for s, t in rows}


def relation_columns(con: duckdb.DuckDBPyConnection, source: str) -> list[tuple[str, str]]:
    """(name, type) of the columns of a table or `read_parquet(...)` expression, in order."""
    return [(r[0], r[1]) for r in con.execute(f"describe select * from {source}").fetchall()]


def compare_table(
    con: duckdb.DuckDBPyConnection,
    key: tuple[str, str],
    left: str | None,
    right: str | None,
    decimals: int,
    exact: bool,
) -> TableComparison:
    """Compare one table of the two builds."""
    schema, table = key
    if left is None or right is None:
        side = "left" if left is None else "right"
        return TableComparison(schema, table, None, None, 0, 0, f"missing on the {side}")
    left_columns = relation_columns(con, left)
    right_columns = relation_columns(con, right)
    left_rows = con.execute(f"select count(*) from {left}").fetchone()[0]  # type: ignore[index]
    right_rows = con.execute(f"select count(*) from {right}").fetchone()[0]  # type: ignore[index]
    if [c for c, _ in left_columns] != [c for c, _ in right_columns]:
        return TableComparison(schema, table, left_rows, right_rows, 0, 0, "columns differ")
    if exact and left_columns != right_columns:
        differing = [
            f"{a[0]}: {a[1]} vs {b[1]}" for a, b in zip(left_columns, right_columns, strict=True) if a != b
        ]
        return TableComparison(
            schema, table, left_rows, right_rows, 0, 0, "types differ: " + "; ".join(differing)
        )
    if exact:
        left_select = f"select * from {left}"
        right_select = f"select * from {right}"
    else:
        left_select = (
            "select "
            + ", ".join(normalised_expression(c, t, decimals) for c, t in left_columns)
            + f" from {left}"
        )
        right_select = (
            "select "
            + ", ".join(normalised_expression(c, t, decimals) for c, t in right_columns)
            + f" from {right}"
        )
    only_left = con.execute(f"select count(*) from ({left_select} except all {right_select})").fetchone()[0]  # type: ignore[index]
    only_right = con.execute(f"select count(*) from ({right_select} except all {left_select})").fetchone()[0]  # type: ignore[index]
    return TableComparison(schema, table, left_rows, right_rows, only_left, only_right, "")


def compare_builds(
    left_db: Path,
    right_db: Path | None,
    right_spark: Path | None,
    schemas: list[str],
    decimals: int = 9,
    exact: bool = False,
    tables: list[str] | None = None,
) -> list[TableComparison]:
    """Compare every table of `schemas` between the left DuckDB build and the right build (only
    the tables named in `tables`, when given)."""
    con = duckdb.connect()
    con.execute(f"attach {sql_text(str(left_db))} as left_build (read_only)")
    left = duckdb_tables(con, "left_build", schemas)
    if right_db is not None:
        con.execute(f"attach {sql_text(str(right_db))} as right_build (read_only)")
        right = duckdb_tables(con, "right_build", schemas)
    else:
        assert right_spark is not None
        right = {k: f"read_parquet({sql_text(g)})" for k, g in spark_tables(right_spark, schemas).items()}
    keys = sorted(k for k in set(left) | set(right) if tables is None or k[1] in tables)
    return [compare_table(con, key, left.get(key), right.get(key), decimals, exact) for key in keys]


def report(results: list[TableComparison]) -> str:
    """The comparison as a Markdown table, with a closing line."""
    lines = [
        "| schema | table | rows left | rows right | only left | only right | result |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        verdict = "equal" if r.equal else (r.problem or "rows differ")
        lines.append(
            f"| {r.schema} | {r.table} | {'' if r.left_rows is None else r.left_rows} | "
            f"{'' if r.right_rows is None else r.right_rows} | {r.only_left} | {r.only_right} | {verdict} |"
        )
    differing = [r for r in results if not r.equal]
    lines.append("")
    lines.append(
        f"{len(results) - len(differing)} of {len(results)} tables equal"
        + ("" if not differing else ": differing " + ", ".join(f"{r.schema}.{r.table}" for r in differing))
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--left", type=Path, required=True, help="DuckDB build file")
    right = parser.add_mutually_exclusive_group(required=True)
    right.add_argument("--right", type=Path, help="DuckDB build file")
    right.add_argument("--right-spark", type=Path, help="warehouse directory of a local Spark build")
    parser.add_argument("--schemas", default="marts", help="comma-separated schemas (default: marts)")
    parser.add_argument("--decimals", type=int, default=9, help="numbers rounded to this many places")
    parser.add_argument("--exact", action="store_true", help="raw values and column types")
    parser.add_argument("--tables", help="comma-separated table names to compare (default: all)")
    args = parser.parse_args(argv)
    schemas = [s.strip() for s in args.schemas.split(",") if s.strip()]
    tables = [t.strip() for t in args.tables.split(",") if t.strip()] if args.tables else None
    results = compare_builds(
        args.left, args.right, args.right_spark, schemas, args.decimals, args.exact, tables
    )
    print(report(results))
    return 0 if results and all(r.equal for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
