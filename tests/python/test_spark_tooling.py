"""The Spark check's tooling that runs without Spark: the build comparison, the harness's
settings and the check's helpers. (The Spark side itself runs in `make spark-check`.)"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from customer_intel.devtools.compare_builds import compare_builds, normalised_expression, report
from customer_intel.devtools.spark_check import dbt_summary, fixture_vars, wrong_fixture_outcomes
from customer_intel.ops.spark_local import session_settings


def make_build(path: Path, statements: list[str]) -> Path:
    """A DuckDB file with schema `marts` and the given statements run in it."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    for statement in statements:
        con.execute(statement)
    con.close()
    return path


def make_spark_table(warehouse: Path, schema: str, table: str, select: str) -> None:
    """A table laid out as Spark writes it: `<warehouse>/<schema>.db/<table>/part-*.parquet`."""
    folder = warehouse / f"{schema}.db" / table
    folder.mkdir(parents=True)
    duckdb.connect().execute(f"copy ({select}) to '{folder / 'part-00000.parquet'}' (format parquet)")


def test_equal_builds_are_equal_and_row_changes_are_counted_both_ways(tmp_path: Path) -> None:
    rows = "select * from (values (1, 'a', 0.1), (2, 'b', 0.2), (2, 'b', 0.2)) as t(id, name, score)"
    left = make_build(tmp_path / "left.duckdb", [f"create table marts.t as {rows}"])
    same = make_build(tmp_path / "same.duckdb", [f"create table marts.t as {rows} order by id desc"])
    changed = make_build(
        tmp_path / "changed.duckdb",
        [
            "create table marts.t as select * from (values (1, 'a', 0.1), (2, 'b', 0.2), (3, 'c', 0.3))"
            " as t(id, name, score)"
        ],
    )
    [equal] = compare_builds(left, same, None, ["marts"])
    assert equal.equal and (equal.left_rows, equal.right_rows) == (3, 3)
    [differs] = compare_builds(left, changed, None, ["marts"])
    # a duplicate row counts: `except all` is a multiset difference
    assert not differs.equal and (differs.only_left, differs.only_right) == (1, 1)
    assert "0 of 1 tables equal: differing marts.t" in report([differs])


def test_numbers_compare_to_the_stated_decimals_but_exact_mode_sees_types(tmp_path: Path) -> None:
    left = make_build(
        tmp_path / "l.duckdb",
        ["create table marts.t as select cast(1 as bigint) as id, cast(0.1 as double) as x"],
    )
    right = make_build(
        tmp_path / "r.duckdb",
        ["create table marts.t as select cast(1 as integer) as id, cast(0.1 as double) + 1e-12 as x"],
    )
    assert compare_builds(left, right, None, ["marts"])[0].equal
    assert not compare_builds(left, right, None, ["marts"], decimals=13)[0].equal
    exact = compare_builds(left, right, None, ["marts"], exact=True)[0]
    assert not exact.equal and "types differ" in exact.problem


def test_missing_tables_and_different_columns_are_reported(tmp_path: Path) -> None:
    left = make_build(
        tmp_path / "l.duckdb",
        ["create table marts.a as select 1 as id", "create table marts.b as select 1 as id, 2 as v"],
    )
    right = make_build(tmp_path / "r.duckdb", ["create table marts.b as select 1 as id, 2 as w"])
    results = {r.table: r for r in compare_builds(left, right, None, ["marts"])}
    assert results["a"].problem == "missing on the right"
    assert results["b"].problem == "columns differ"
    only_b = compare_builds(left, right, None, ["marts"], tables=["b"])
    assert [r.table for r in only_b] == ["b"]


def test_a_spark_warehouse_is_read_from_its_parquet_files(tmp_path: Path) -> None:
    left = make_build(
        tmp_path / "l.duckdb",
        [
            "create table marts.t as select date '2026-01-02' as d,"
            " timestamp '2026-01-02 03:04:05' as ts, [1, 2] as l"
        ],
    )
    warehouse = tmp_path / "warehouse"
    make_spark_table(
        warehouse,
        "marts",
        "t",
        "select date '2026-01-02' as d, timestamp '2026-01-02 03:04:05' as ts, [1, 2] as l",
    )
    assert compare_builds(left, None, warehouse, ["marts"])[0].equal
    make_spark_table(warehouse, "marts", "u", "select 1 as id")
    results = {r.table: r for r in compare_builds(left, None, warehouse, ["marts"])}
    assert results["u"].problem == "missing on the left"


@pytest.mark.parametrize(
    ("data_type", "expected"),
    [
        ("DECIMAL(18,4)", 'round(cast("c" as double), 9) as "c"'),
        ("HUGEINT", 'round(cast("c" as double), 9) as "c"'),
        ("TIMESTAMP WITH TIME ZONE", 'cast("c" as varchar) as "c"'),
        ("DATE", 'cast("c" as varchar) as "c"'),
        ("VARCHAR[]", 'cast("c" as varchar) as "c"'),
        ("INTEGER[]", 'cast("c" as varchar) as "c"'),
        ("VARCHAR", '"c"'),
        ("BOOLEAN", '"c"'),
    ],
)
def test_normalised_forms(data_type: str, expected: str) -> None:
    assert normalised_expression("c", data_type, 9) == expected


def test_harness_settings_keep_everything_under_one_directory(tmp_path: Path) -> None:
    settings = session_settings(tmp_path / "spark", cores=2)
    spark_dir = str((tmp_path / "spark").resolve())
    assert settings["spark.master"] == "local[2]"
    assert settings["spark.sql.warehouse.dir"] == f"{spark_dir}/warehouse"
    assert f"databaseName={spark_dir}/metastore_db" in settings["spark.hadoop.javax.jdo.option.ConnectionURL"]
    assert settings["spark.driver.extraJavaOptions"] == f"-Dderby.system.home={spark_dir}"
    assert settings["spark.sql.session.timeZone"] == "UTC"
    assert settings["spark.sql.timestampType"] == "TIMESTAMP_NTZ"
    assert session_settings(tmp_path, cores=0)["spark.master"] == "local[1]"


def test_check_helpers(tmp_path: Path) -> None:
    log = tmp_path / "dbt.log"
    log.write_text("12:00:00  Finished\n12:00:01  Done. PASS=3 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=3\n")
    assert dbt_summary(log) == "Done. PASS=3 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=3"
    log.write_text("nothing\n")
    assert dbt_summary(log) == ""
    assert fixture_vars(Path("data/demo")) == {
        "raw_data_path": str(Path("data/demo").resolve()),
        "load_time": "2026-11-01",
    }


def test_fixture_outcomes_follow_the_test_names() -> None:
    def results(*pairs: tuple[str, str]) -> dict[str, object]:
        return {"results": [{"unique_id": f"test.customer_intel.{n}.abc", "status": s} for n, s in pairs]}

    good = results(("primary_key__dupes__expect_fail", "fail"), ("primary_key__ok__expect_pass", "pass"))
    assert wrong_fixture_outcomes(good) == {}
    # a fixture meant to fire that passed, and one meant to pass that failed, are both reported
    bad = results(("primary_key__dupes__expect_fail", "pass"), ("recent_as_of__fresh__expect_pass", "error"))
    assert wrong_fixture_outcomes(bad) == {
        "primary_key__dupes__expect_fail": "pass",
        "recent_as_of__fresh__expect_pass": "error",
    }
    # seeds in the results are not tests; no tests at all is a failure of the check
    seeds_only = {"results": [{"unique_id": "seed.customer_intel.fixture_keys", "status": "success"}]}
    assert wrong_fixture_outcomes(seeds_only) == {"(no fixture tests ran)": "missing"}
