"""Doc coverage gate: every model and seed, every column it really has (read from the built
warehouse, not from the YAML), and every macro and generic test with each of its arguments
carries a description."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import DbtRunner

pytestmark = pytest.mark.dbt

SIGNATURE = re.compile(r"\{%-?\s*(?:macro|test)\s+\w+\((.*?)\)\s*-?%\}", re.S)


def manifest(runner: DbtRunner) -> dict:
    """The manifest written by the demo build."""
    return json.loads((runner.workdir / "target" / "manifest.json").read_text())


def described(entry: dict) -> bool:
    """Whether a manifest entry has a non-blank description."""
    return bool((entry.get("description") or "").strip())


def test_every_model_seed_and_real_column_is_documented(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = shared_build
    undocumented = {}
    for node in manifest(runner)["nodes"].values():
        if node["resource_type"] not in ("model", "seed") or node["package_name"] != "customer_intel":
            continue
        if node["config"].get("enabled") is False:
            continue
        columns = runner.query(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
            [node["schema"], node["alias"]],
        )
        documented = {name.lower() for name, column in node["columns"].items() if described(column)}
        missing = [name for (name,) in columns if name.lower() not in documented]
        if not described(node):
            missing.append("<description>")
        if missing:
            undocumented[node["name"]] = missing
    assert undocumented == {}


def test_every_macro_and_argument_is_documented(shared_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = shared_build
    undocumented = {}
    for macro in manifest(runner)["macros"].values():
        if macro["package_name"] != "customer_intel":
            continue
        signature = SIGNATURE.search(macro["macro_sql"])
        arguments = [a.split("=")[0].strip() for a in signature.group(1).split(",") if a.strip()]
        documented = {a["name"] for a in macro.get("arguments", []) if described(a)}
        missing = [a for a in arguments if a not in documented]
        if not described(macro):
            missing.append("<description>")
        if missing:
            undocumented[macro["name"]] = missing
    assert undocumented == {}
