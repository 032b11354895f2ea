"""The Spark check (`make spark-check`): the same project on local Spark, compared with DuckDB.

Steps, each timed:

1. `dbt build` on DuckDB (this environment) of the fixture data into `<work>/duckdb/build.duckdb`;
2. `dbt build` on a local SparkSession through the harness customer_intel.ops.spark_local, run by
   the Spark environment's Python (`--spark-python`, the venv of requirements-spark.txt), into a
   fresh `<work>/spark` (warehouse and metastore): seeds, every SQL and Python model, every data
   and unit test;
3. the generic-test fixtures on Spark (`dbt build --select tag:generic_test_fixture`): each
   fixture test must end as its name says (`__expect_fail` fails, the others pass), as
   tests/python/test_generic_tests.py requires on DuckDB;
4. every table of the published schema (`marts`) of the two builds compared with
   customer_intel.devtools.compare_builds (`except all` both ways; numbers to 9 decimals).

Both builds read the same raw files with the same vars and the same pseudonymisation secret (the
labelled demo secret unless DBT_ENV_SECRET_PII_SALT is set). Exit code 0 only when both builds
pass and every table is equal. The comparison is written to `<work>/comparison.md`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from customer_intel.devtools.compare_builds import compare_builds, report
from customer_intel.ops.cli import run_input_env
from customer_intel.ops.dbt_command import dbt_command
from customer_intel.ops.pii import DEMO_SECRET, SECRET_ENV_VAR
from customer_intel.ops.settings import PROJECT_DIR

PUBLISHED_SCHEMAS = ["marts"]


def fixture_vars(raw_dir: Path) -> dict[str, object]:
    """The vars of both builds: the fixture directory and a pinned load time (as `make dbt-test`)."""
    return {"raw_data_path": str(raw_dir.resolve()), "load_time": "2026-11-01"}


def run_step(
    name: str, command: list[str], env: dict[str, str], log: Path, judged_later: bool = False
) -> tuple[bool, float]:
    """Run `command`, its output to `log`; return (succeeded, wall seconds). `judged_later`: the
    exit code is not the verdict (the caller checks the results), so it is only reported."""
    started = time.monotonic()
    with log.open("w") as out:
        result = subprocess.run(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT_DIR, check=False
        )
    seconds = time.monotonic() - started
    if judged_later:
        verdict = f"exit code {result.returncode}"
    else:
        verdict = "ok" if result.returncode == 0 else "FAILED"
    print(f"{name}: {verdict} in {seconds:.1f} s (log: {log})", flush=True)
    return result.returncode == 0, seconds


def dbt_summary(log: Path) -> str:
    """dbt's closing `Done. PASS=...` line from a log, or '' when absent."""
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if "Done. PASS=" in line]
    return lines[-1].split("  ", 1)[-1] if lines else ""


def wrong_fixture_outcomes(run_results: dict[str, object]) -> dict[str, str]:
    """Fixture tests of a dbt run_results.json that did not end as their names say (name ->
    status); a missing test list is itself reported."""
    statuses = {
        str(r["unique_id"]).split(".")[2]: str(r["status"])
        for r in run_results.get("results", [])  # type: ignore[union-attr]
        if str(r["unique_id"]).startswith("test.")
    }
    if not statuses:
        return {"(no fixture tests ran)": "missing"}
    return {
        name: status
        for name, status in statuses.items()
        if status != ("fail" if name.endswith("__expect_fail") else "pass")
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spark-python", type=Path, required=True, help="Python of the Spark environment")
    parser.add_argument("--raw", type=Path, required=True, help="fixture directory in the raw-data contract")
    parser.add_argument("--work", type=Path, default=Path("warehouse/spark_check"), help="work directory")
    args = parser.parse_args(argv)

    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    (work / "duckdb").mkdir(parents=True)
    (work / "spark").mkdir(parents=True)
    # the run inputs `make run` passes through the environment would override --vars: the check
    # builds the fixture with exactly its own vars on both engines
    run_inputs = set(run_input_env().values())
    env = {k: v for k, v in os.environ.items() if k not in run_inputs}
    env.setdefault(SECRET_ENV_VAR, DEMO_SECRET)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    dbt_vars = fixture_vars(args.raw)

    duck_env = {**env, "DBT_DUCKDB_PATH": str(work / "duckdb" / "build.duckdb")}
    duck_ok, duck_seconds = run_step(
        "DuckDB build",
        dbt_command(
            "build",
            dbt_vars=dbt_vars,
            target_path=work / "duckdb" / "target",
            log_path=work / "duckdb" / "logs",
        ),
        duck_env,
        work / "duckdb.log",
    )
    spark_env = {
        **env,
        "CUSTOMER_INTEL_SPARK_DIR": str(work / "spark"),
        "PYTHONPATH": str(PROJECT_DIR / "src"),
    }
    spark_command = [
        str(args.spark_python), "-m", "customer_intel.ops.spark_local", "build", "--target", "spark",
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(work / "spark" / "target"), "--log-path", str(work / "spark" / "logs"),
        "--vars", json.dumps(dbt_vars),
    ]  # fmt: skip
    spark_ok, spark_seconds = run_step("Spark build", spark_command, spark_env, work / "spark.log")
    print(f"DuckDB: {dbt_summary(work / 'duckdb.log')}")
    print(f"Spark:  {dbt_summary(work / 'spark.log')}")
    if not (duck_ok and spark_ok):
        print(f"spark-check FAILED: a build failed (see {work / 'duckdb.log'} and {work / 'spark.log'})")
        return 1

    fixture_target = work / "spark" / "target-fixtures"
    fixture_command = [
        *spark_command[:3], "build", "--select", "tag:generic_test_fixture", "--target", "spark",
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(fixture_target), "--log-path", str(work / "spark" / "logs"),
        "--vars", json.dumps(dbt_vars),
    ]  # fmt: skip
    # the failing fixtures make this invocation fail by design: judge it by each test's status
    _, fixture_seconds = run_step(
        "Spark generic-test fixtures (the __expect_fail ones fail by design)",
        fixture_command,
        spark_env,
        work / "fixtures.log",
        judged_later=True,
    )
    results_file = fixture_target / "run_results.json"
    wrong = wrong_fixture_outcomes(json.loads(results_file.read_text()) if results_file.exists() else {})
    if wrong:
        print(f"spark-check FAILED: generic-test fixtures on Spark not as their names say: {wrong}")
        return 1
    print("Spark generic-test fixtures: every fixture test ended as its name says")

    started = time.monotonic()
    results = compare_builds(
        work / "duckdb" / "build.duckdb", None, work / "spark" / "warehouse", PUBLISHED_SCHEMAS
    )
    text = report(results)
    (work / "comparison.md").write_text(text + "\n")
    print(text)
    print(
        f"Wall time: DuckDB build {duck_seconds:.1f} s, Spark build {spark_seconds:.1f} s, "
        f"Spark fixtures {fixture_seconds:.1f} s, comparison {time.monotonic() - started:.1f} s"
    )
    equal = bool(results) and all(r.equal for r in results)
    print("spark-check: every published table equal" if equal else "spark-check FAILED: tables differ")
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
