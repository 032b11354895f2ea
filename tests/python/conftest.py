"""Shared helpers: run dbt against a temporary DuckDB file, query it, locate fixtures."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from customer_intel.ops.dbt_command import dbt_command
from customer_intel.ops.pii import DEMO_SECRET, SECRET_ENV_VAR

PROJECT_DIR = Path(__file__).resolve().parents[2]
# The CDNOW sample (../shared/data beside the clone, or CDNOW_SOURCE); tests skip without it.
CDNOW_SAMPLE = Path(
    os.environ.get("CDNOW_SOURCE") or PROJECT_DIR.parent / "shared" / "data" / "cdnow" / "CDNOW_sample.txt"
)
FIXTURES = PROJECT_DIR / "tests" / "raw"
# `dbt build` arguments for a build of models and seeds without data and unit tests (for tests
# that only read model tables; the data tests run on the shared build).
MODELS_ONLY = ("--exclude-resource-type", "test", "unit_test")
# Fixed load time so that results do not depend on the day the tests run.
LOAD_TIME = "2026-11-01"


# The modules with the most dbt builds, scheduled first: pytest-xdist (`--dist loadfile`) runs
# each module on one worker, so starting the longest ones first keeps the two workers even.
LONGEST_MODULES = ("test_hostile_inputs.py", "test_pii_and_publish.py", "test_online_retail.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the longest modules first (a stable sort: the order within a module is kept)."""

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_MODULES.index(name) if name in LONGEST_MODULES else len(LONGEST_MODULES)

    items.sort(key=rank)


@dataclass
class DbtResult:
    """Outcome of one dbt invocation."""

    returncode: int
    output: str
    run_results: list[dict]

    def statuses(self) -> dict[str, str]:
        """unique_id -> status of every node in the run."""
        return {r["unique_id"]: r["status"] for r in self.run_results}


@dataclass
class DbtRunner:
    """Runs dbt commands of this project against one temporary build file."""

    workdir: Path
    secret: str = DEMO_SECRET

    @property
    def db_path(self) -> Path:
        """The DuckDB build file of this runner."""
        return self.workdir / "build.duckdb"

    def run(self, *args: str, dbt_vars: dict | None = None, env: dict | None = None) -> DbtResult:
        """Run `dbt <args>` with vars (load_time fixed unless given) and return its result."""
        merged_vars = {"load_time": LOAD_TIME, **(dbt_vars or {})}
        full_env = {
            # the run inputs the cli passes through the environment would win over these vars
            **{k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_INTEL_")},
            "DBT_DUCKDB_PATH": str(self.db_path),
            "DBT_PROFILES_DIR": str(PROJECT_DIR),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            # a narrow `--select +model` build runs only the tests whose every parent it builds
            "DBT_INDIRECT_SELECTION": "cautious",
            SECRET_ENV_VAR: self.secret,
            **(env or {}),
        }
        target = self.workdir / "target"
        command = dbt_command(*args, dbt_vars=merged_vars, target_path=target, log_path=self.workdir / "logs")
        done = subprocess.run(
            command, cwd=PROJECT_DIR, env=full_env, capture_output=True, text=True, check=False
        )
        results_file = target / "run_results.json"
        results = json.loads(results_file.read_text())["results"] if results_file.exists() else []
        results_file.unlink(missing_ok=True)
        return DbtResult(done.returncode, done.stdout + done.stderr, results)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """Run a read-only query against the build file."""
        con = duckdb.connect(str(self.db_path), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


# `make pytest` names the build of `make dbt-test` (the demo data of `make run`, built once per
# test session by dbt with every data and unit test) here, so pytest reads it instead of building
# it again.
SHARED_BUILD_ENV = "CUSTOMER_INTEL_SHARED_BUILD"
SHARED_RAW_ENV = "CUSTOMER_INTEL_SHARED_RAW"


@pytest.fixture(scope="session")
def shared_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtRunner, Path]:
    """The warehouse built on the demo data (default generator settings, what `make run` and
    `make dbt-test` build), shared read-only by every test that only queries a finished build;
    returns the runner and the raw data directory. Taken from `make dbt-test` when the Makefile
    names it, else built here once per session (per xdist worker)."""
    from customer_intel.devtools.demo_data.config import GeneratorConfig
    from customer_intel.devtools.demo_data.generate import generate

    prebuilt, prebuilt_raw = os.environ.get(SHARED_BUILD_ENV), os.environ.get(SHARED_RAW_ENV)
    if prebuilt and prebuilt_raw:
        runner = DbtRunner(Path(prebuilt).resolve())
        assert runner.db_path.exists(), f"{SHARED_BUILD_ENV}={prebuilt} holds no build.duckdb"
        return runner, Path(prebuilt_raw).resolve()
    tmp = tmp_path_factory.mktemp("shared_build")
    generate(GeneratorConfig(), tmp / "raw")
    runner = DbtRunner(tmp)
    result = runner.run("build", dbt_vars={"raw_data_path": str(tmp / "raw")})
    assert result.returncode == 0, result.output[-4000:]
    return runner, tmp / "raw"


@pytest.fixture
def dbt_runner(tmp_path: Path) -> DbtRunner:
    """A DbtRunner on a fresh temporary directory."""
    return DbtRunner(tmp_path)


def write_contract_copy(source_dir: Path, target_dir: Path) -> Path:
    """Copy the contract files of `source_dir` (not `_truth`) into `target_dir`; return it."""
    target_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(source_dir.iterdir()):
        if path.is_file() and not path.name.startswith((".", "_")):
            (target_dir / path.name).write_bytes(path.read_bytes())
    return target_dir
