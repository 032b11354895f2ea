"""Activation: the logged CSV export of an audience, and exposures covering the published marts."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_DIR, DbtRunner
from customer_intel.ops.dbt_command import dbt_command
from customer_intel.ops.export import ExportError, export_audience

pytestmark = pytest.mark.dbt


def test_export_writes_raw_ids_with_recommendations_and_logs_it(
    shared_build: tuple[DbtRunner, Path], tmp_path: Path
) -> None:
    runner, _ = shared_build
    target = export_audience(runner.db_path, "welcome_new_buyers", tmp_path)
    with target.open() as handle:
        rows = list(csv.DictReader(handle))
    expected = runner.query(
        "select member_count from marts.audiences where audience_name = 'welcome_new_buyers'"
    )
    assert len(rows) == expected[0][0] > 10
    # re-identified raw ids (GHOST- ids are the demo's planted events of people missing from users)
    assert all(re.fullmatch(r"(GHOST-)?U\d{7}", r["user_id"]) for r in rows)
    assert all(len(r["recommended_item_ids"].split(";")) == 3 for r in rows)
    log = [json.loads(line) for line in (tmp_path / "export_log.jsonl").read_text().splitlines()]
    assert log[-1]["audience"] == "welcome_new_buyers" and log[-1]["rows"] == len(rows)
    assert log[-1]["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()


def test_unknown_audience_or_missing_build_fail_clearly(
    shared_build: tuple[DbtRunner, Path], tmp_path: Path
) -> None:
    runner, _ = shared_build
    with pytest.raises(ExportError, match="unknown audience 'nope'; defined: "):
        export_audience(runner.db_path, "nope", tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "customer_intel.ops.export", "--audience", "x",
         "--build-db", str(tmp_path / "no.duckdb")],
        capture_output=True, text=True, check=False, cwd=PROJECT_DIR,
    )  # fmt: skip
    assert done.returncode == 2 and "run `make run` first" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "export_log.jsonl").exists()


def test_every_published_mart_feeds_an_exposure() -> None:
    listed = subprocess.run(
        dbt_command("ls", "--resource-type", "exposure", "model",
                    "--output", "json", "--output-keys", "name", "resource_type", "depends_on", "config"),
        capture_output=True, text=True, check=True, cwd=PROJECT_DIR,
    )  # fmt: skip
    nodes = [json.loads(line) for line in listed.stdout.splitlines() if line.startswith("{")]
    used = {
        dep.split(".")[-1]
        for n in nodes
        if n["resource_type"] == "exposure"
        for dep in n["depends_on"]["nodes"]
    }
    marts = {
        n["name"] for n in nodes if n["resource_type"] == "model" and n["config"].get("schema") == "marts"
    }
    assert marts and not marts - used, sorted(marts - used)
