"""No personal data or secret reaches what BI reads; the build stops without a secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_DIR, DbtRunner
from customer_intel.devtools.demo_data.config import GeneratorConfig
from customer_intel.devtools.demo_data.generate import generate
from customer_intel.ops.pii import SECRET_ENV_VAR, user_key

pytestmark = pytest.mark.dbt

SECRET = "pii-test-secret-7f3a9c"


def run_cli(tmp: Path, raw: Path, env_secret: str | None) -> subprocess.CompletedProcess[str]:
    """`python -m customer_intel.ops.cli run` with all outputs under `tmp`."""
    env = {k: v for k, v in os.environ.items() if k != SECRET_ENV_VAR}
    env.update(
        {
            "DBT_PROFILES_DIR": str(PROJECT_DIR),
            "DBT_LOG_PATH": str(tmp / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "PYTHONPATH": str(PROJECT_DIR / "src"),
        }
    )
    if env_secret is not None:
        env[SECRET_ENV_VAR] = env_secret
    command = [
        sys.executable, "-m", "customer_intel.ops.cli", "run",
        "--raw-data-path", str(raw),
        "--build-db", str(tmp / "build.duckdb"),
        "--published-db", str(tmp / "marketing.duckdb"),
        "--target-path", str(tmp / "target"),
    ]  # fmt: skip
    return subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full CLI run (build + publish) on a small generated data set; returns its directory."""
    tmp = tmp_path_factory.mktemp("publish")
    generate(GeneratorConfig(seed=5, users=250, items=50, days=90), tmp / "raw")
    done = run_cli(tmp, tmp / "raw", SECRET)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    assert "published:" in done.stdout
    return tmp


def raw_personal_values(raw: Path) -> set[str]:
    """Every raw user id, email and phone of the raw files."""
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"""
            select user_id from read_parquet('{raw / "users.parquet"}')
            union select email from read_parquet('{raw / "users.parquet"}')
            union select phone from read_parquet('{raw / "users.parquet"}')
            union select user_id from read_parquet('{raw / "events.parquet"}')
            """
        ).fetchall()
    finally:
        con.close()
    return {r[0] for r in rows if r[0] is not None}


def test_published_file_holds_only_bi_tables(published: Path) -> None:
    con = duckdb.connect(str(published / "marketing.duckdb"), read_only=True)
    try:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'marketing' order by 2"
        ).fetchall()
        comment = con.execute(
            "select comment from duckdb_tables() where table_name = 'clean_events'"
        ).fetchall()[0][0]
    finally:
        con.close()
    build = duckdb.connect(str(published / "build.duckdb"), read_only=True)
    try:
        marts = build.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
    finally:
        build.close()
    assert {"clean_events", "rejected_events", "raw_load_summary"} <= {t for (t,) in marts}
    assert tables == [("main", t) for (t,) in marts]  # the marts schema and nothing else
    assert comment and "clean event stream" in comment  # persisted docs travel with the table


def test_no_published_column_holds_raw_ids_emails_or_phones(published: Path) -> None:
    personal = raw_personal_values(published / "raw")
    assert len(personal) > 500
    con = duckdb.connect(str(published / "marketing.duckdb"), read_only=True)
    con.execute("create temp table personal (value varchar)")
    con.executemany("insert into personal values (?)", [[v] for v in sorted(personal)])
    try:
        columns = con.execute(
            "select table_name, column_name, data_type from duckdb_columns() "
            "where database_name = 'marketing' order by all"
        ).fetchall()
        for table, column, data_type in columns:
            assert column.lower() not in {"user_id", "email", "phone"}, (table, column)
            if data_type == "VARCHAR":
                hits = con.execute(
                    f'select count(*) from main."{table}" where "{column}" in (select value from personal)'
                ).fetchall()[0][0]
                assert hits == 0, (table, column)
    finally:
        con.close()


def test_secret_never_written_to_files(published: Path) -> None:
    needle = SECRET.encode()
    checked = 0
    for path in published.rglob("*"):
        if path.is_file() and "raw" not in path.relative_to(published).parts:
            assert needle not in path.read_bytes(), path
            checked += 1
    assert checked > 5


def test_key_map_is_restricted_and_uses_the_documented_hmac(published: Path) -> None:
    con = duckdb.connect(str(published / "build.duckdb"), read_only=True)
    try:
        pairs = con.execute(
            "select user_key, user_id from restricted.stg_shop__user_key_map order by user_id limit 50"
        ).fetchall()
    finally:
        con.close()
    assert pairs
    assert all(key == user_key(SECRET, uid) for key, uid in pairs)


def test_own_data_without_secret_stops_before_building(tmp_path: Path, published: Path) -> None:
    done = run_cli(tmp_path, published / "raw", None)
    assert done.returncode == 2
    assert f"{SECRET_ENV_VAR} is not set" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "build.duckdb").exists()


def test_dbt_without_secret_fails_clearly(dbt_runner: DbtRunner, published: Path) -> None:
    dbt_runner.secret = ""
    result = dbt_runner.run("build", dbt_vars={"raw_data_path": str(published / "raw")})
    assert result.returncode != 0
    assert f"{SECRET_ENV_VAR} is not set" in result.output
    built = (
        dbt_runner.query("select count(*) from duckdb_tables()") if dbt_runner.db_path.exists() else [(0,)]
    )
    assert built == [(0,)]


def test_bi_reads_the_published_file_while_dbt_builds(tmp_path: Path, published: Path) -> None:
    """A BI-style reader (duckdb-engine + SQLAlchemy, read-only, external access disabled) keeps
    querying the published file while a full build and publish of the same target runs."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    target = published / "marketing.duckdb"
    engine = sqlalchemy.create_engine(
        f"duckdb:///{target}",
        connect_args={"read_only": True, "config": {"enable_external_access": False}},
        poolclass=sqlalchemy.pool.NullPool,
    )
    env = {k: v for k, v in os.environ.items() if k != SECRET_ENV_VAR}
    env.update({"DBT_PROFILES_DIR": str(PROJECT_DIR), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                "PYTHONPATH": str(PROJECT_DIR / "src"), SECRET_ENV_VAR: SECRET,
                "DBT_LOG_PATH": str(tmp_path / "logs")})  # fmt: skip
    log = (tmp_path / "build.log").open("w")  # a file, not a pipe: a full pipe would block dbt
    build = subprocess.Popen(
        [sys.executable, "-m", "customer_intel.ops.cli", "run", "--raw-data-path", str(published / "raw"),
         "--build-db", str(tmp_path / "build.duckdb"), "--published-db", str(target),
         "--target-path", str(tmp_path / "target")],
        cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    reads = 0
    while build.poll() is None or reads == 0:
        with engine.connect() as connection:
            people = connection.execute(sqlalchemy.text("select count(*) from customer_360")).scalar_one()
            kpis = connection.execute(sqlalchemy.text("select sum(orders) from kpi_daily")).scalar_one()
            with pytest.raises(sqlalchemy.exc.DBAPIError, match="disabled"):
                connection.execute(
                    sqlalchemy.text(f"select * from read_parquet('{published / 'raw'}/*.parquet')")
                )
        assert people > 0 and kpis > 0
        reads += 1
    log.close()
    assert build.returncode == 0, (tmp_path / "build.log").read_text()[-3000:]
    assert reads >= 2


def test_published_file_opens_in_duckdb_1x(tmp_path: Path, published: Path) -> None:
    """BI tools may still ship DuckDB 1.x: the published file is written in a storage format it
    reads. Checked with a real DuckDB 1.1 in a throw-away virtualenv."""
    venv = tmp_path / "duckdb1"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "duckdb==1.1.3"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-2000:]
    script = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print(duckdb.__version__, con.execute('select count(*) from customer_360').fetchall()[0][0])"
    )
    command = [str(python), "-c", script, str(published / "marketing.duckdb")]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    version, people = done.stdout.split()
    assert version.startswith("1.1") and int(people) > 0
