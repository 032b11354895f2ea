"""The DAG is readable: every input of every model is a ref in the model's own file (none hidden
in a macro), and refs only point down the layers (staging -> intermediate -> fitted models ->
scoring -> marts). Read from the manifest of the shared build."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import PROJECT_DIR, DbtRunner

pytestmark = pytest.mark.dbt

# `ref('name')` in SQL / YAML-free model code, `dbt.ref("name")` in Python models
REF = re.compile(r"""\bref\(\s*['"]([A-Za-z0-9_]+)['"]\s*\)""")
SOURCE = re.compile(r"""\bsource\(\s*['"]([A-Za-z0-9_]+)['"]\s*,\s*['"]([A-Za-z0-9_]+)['"]\s*\)""")
# the layer of a model, from its path; a lower layer never reads a higher one
LAYERS = {"staging": 0, "intermediate": 1, "python_models": 2, "scoring": 3, "marts": 4}


def layer_of(node: dict) -> int:
    """The layer index of a model node (by its top folder under models/, or python_models/)."""
    path = Path(node["original_file_path"]).parts
    top = path[0] if path[0] == "python_models" else path[1]
    return LAYERS[top]


@pytest.fixture(scope="module")
def manifest(shared_build: tuple[DbtRunner, Path]) -> dict:
    """The manifest dbt wrote for the shared build."""
    runner, _ = shared_build
    return json.loads((runner.workdir / "target" / "manifest.json").read_text())


def models(manifest: dict) -> dict[str, dict]:
    """unique_id -> node of every model of this project."""
    return {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == "customer_intel"
    }


def test_every_input_is_a_ref_in_the_model_file(manifest: dict) -> None:
    names = {uid: node["name"] for uid, node in manifest["nodes"].items()}
    sources = {uid: (node["source_name"], node["name"]) for uid, node in manifest["sources"].items()}
    hidden = {}
    for node in models(manifest).values():
        written = set(REF.findall(node["raw_code"]))
        written_sources = set(SOURCE.findall(node["raw_code"]))
        inputs = {names[uid] for uid in node["depends_on"]["nodes"] if uid in names}
        input_sources = {sources[uid] for uid in node["depends_on"]["nodes"] if uid in sources}
        if inputs != written or input_sources != written_sources:
            hidden[node["name"]] = (sorted(inputs ^ written), sorted(input_sources ^ written_sources))
    assert hidden == {}, hidden
    assert len(models(manifest)) > 50


def test_no_macro_reads_a_relation() -> None:
    readers = [
        str(path.relative_to(PROJECT_DIR))
        for path in sorted((PROJECT_DIR / "macros").rglob("*.sql"))
        if REF.search(path.read_text()) or SOURCE.search(path.read_text())
    ]
    assert readers == []


def test_refs_only_point_down_the_layers(manifest: dict) -> None:
    nodes = models(manifest)
    upward = [
        (node["name"], nodes[uid]["name"])
        for node in nodes.values()
        for uid in node["depends_on"]["nodes"]
        if uid in nodes and layer_of(nodes[uid]) > layer_of(node)
    ]
    assert upward == []
    # only staging reads sources
    readers = {
        node["name"]
        for node in nodes.values()
        if any(u.startswith("source.") for u in node["depends_on"]["nodes"])
    }
    assert readers and all(name.startswith("stg_") for name in readers), readers


def test_the_served_recommendations_show_their_inputs(manifest: dict) -> None:
    nodes = models(manifest)
    by_name = {node["name"]: uid for uid, node in nodes.items()}
    seen, todo = set(), [by_name["user_recommendations"]]
    while todo:
        uid = todo.pop()
        if uid in seen or uid not in nodes:
            continue
        seen.add(uid)
        todo.extend(nodes[uid]["depends_on"]["nodes"])
    upstream = {nodes[uid]["name"] for uid in seen}
    # the lists, the item-CF scores and the neighbours they come from, and the features and
    # events they read
    assert {
        "int_recommendation_lists",
        "item_cf_lists",
        "int_recommendation_person_items",
        "item_neighbors",
        "int_user_item_interactions_snapshots",
        "int_item_popularity_snapshots",
        "int_events_as_of",
        "int_analysis_date",
    } <= upstream
