"""Local Spark test harness: run this dbt project on a local SparkSession, Python models included.

dbt-spark's `session` connection method runs SQL on a SparkSession in the dbt process, but dbt-spark
submits Python models only to Databricks (`job_cluster`, `all_purpose_cluster`); a local
`session` submission is an open upstream request (dbt-labs/dbt-spark#415, unmerged PR #1063).
This module is the small, clearly labelled harness that adds it for the Spark check
(`make spark-check`), and nothing else:

* it creates the SparkSession first, with the settings a local check needs (a warehouse and a
  Derby metastore under one directory, UTC, no UI, few shuffle partitions), so dbt-spark's
  `getOrCreate()` finds it;
* it registers `user_key` (the HMAC-SHA256 pseudonymisation of customer_intel.ops.pii, keyed with
  DBT_ENV_SECRET_PII_SALT) as a session function, the same Python function the DuckDB plugin
  registers: the secret never appears in SQL, and staging builds tables rather than views on
  Spark because a permanent view cannot reference a session function;
* it adds a `session` Python submission method that executes dbt's compiled Python model (the
  model plus dbt-spark's own write code) in this process against that SparkSession, and makes it
  the default;
* then it runs dbt with the given arguments (`python -m customer_intel.ops.spark_local build ...`).

It runs in the Spark check's own environment (requirements-spark.txt), never in the DuckDB build.
On Databricks none of this is used: see the README, "Scaling out".
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

SPARK_HOME_ENV = "CUSTOMER_INTEL_SPARK_DIR"


def session_settings(spark_dir: Path, cores: int) -> dict[str, str]:
    """The SparkSession settings of the local check, everything stored under `spark_dir`."""
    spark_dir = spark_dir.resolve()
    metastore = spark_dir / "metastore_db"
    return {
        "spark.master": f"local[{max(1, cores)}]",
        "spark.app.name": "customer-intel-spark-check",
        "spark.sql.warehouse.dir": str(spark_dir / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={metastore};create=true",
        # Derby writes derby.log into the working directory unless told otherwise.
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={spark_dir}",
        # A failed metastore call is retried 10 times by default: long column comments made each
        # CREATE VIEW take ~21 s; one attempt is enough for a local metastore.
        "spark.hadoop.hive.hmshandler.retry.attempts": "1",
        "spark.sql.session.timeZone": "UTC",
        # `timestamp` in the models means a timestamp without time zone, as in DuckDB.
        "spark.sql.timestampType": "TIMESTAMP_NTZ",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.default.parallelism": "4",
        "spark.sql.catalogImplementation": "hive",
    }


def create_session(settings: Mapping[str, str], environ: Mapping[str, str]) -> Any:
    """Create the SparkSession with `settings` and register `user_key` on it."""
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StringType

    from customer_intel.ops.pii import make_user_key_function, read_secret

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    session.udf.register("user_key", make_user_key_function(read_secret(environ)), StringType())
    return session


class LocalSessionPythonJobHelper:
    """dbt Python submission method `session` (local harness only): runs the compiled model code,
    dbt-spark's write included, in this process against the active SparkSession."""

    def __init__(self, parsed_model: dict[str, Any], credentials: Any) -> None:
        self.identifier = str(parsed_model.get("alias") or parsed_model.get("name"))

    def submit(self, compiled_code: str) -> None:
        """Execute `compiled_code` with `spark` bound to the active SparkSession."""
        from pyspark.sql import SparkSession

        session = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
        code = compile(compiled_code, f"<dbt python model {self.identifier}>", "exec")
        exec(code, {"spark": session, "__name__": f"dbt_model_{self.identifier}"})


def install_session_submission() -> None:
    """Make `session` a Python submission method of dbt-spark, and the default one."""
    from dbt.adapters.spark.impl import SparkAdapter

    helpers = dict(SparkAdapter.python_submission_helpers.fget(None))  # type: ignore[attr-defined]
    helpers["session"] = LocalSessionPythonJobHelper
    SparkAdapter.python_submission_helpers = property(lambda self: helpers)  # type: ignore[assignment]
    SparkAdapter.default_python_submission_method = property(lambda self: "session")  # type: ignore[assignment]


def main(argv: Sequence[str] | None = None) -> int:
    """Run dbt on the local Spark harness with `argv` as dbt's arguments; the exit code is dbt's."""
    import logging

    from dbt.cli.main import dbtRunner

    # pyspark logs every failed statement's Java stack as JSON; dbt reports the error itself.
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)

    args = list(sys.argv[1:] if argv is None else argv)
    spark_dir = Path(os.environ.get(SPARK_HOME_ENV, "warehouse/spark"))
    spark_dir.mkdir(parents=True, exist_ok=True)
    create_session(session_settings(spark_dir, os.cpu_count() or 1), os.environ)
    install_session_submission()
    result = dbtRunner().invoke(args)
    if result.exception is not None and not result.success:
        print(f"dbt failed: {result.exception}", file=sys.stderr)
    return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
