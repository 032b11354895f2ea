"""One home per setting: the var registry in dbt_project.yml is complete, the README table is
generated from it, and the Python models' defaults and every var reference agree with it."""

from __future__ import annotations

import re

import pytest

from conftest import PROJECT_DIR
from customer_intel.ml.churn import ChurnConfig
from customer_intel.ml.recommend import NeighborConfig
from customer_intel.ml.segmentation import SegmentationConfig
from customer_intel.ops import settings

REGISTRY = settings.load_registry()


def test_readme_vars_table_is_generated_from_the_registry() -> None:
    text = (PROJECT_DIR / "README.md").read_text()
    start = text.index(settings.README_START) + len(settings.README_START)
    block = text[start : text.index(settings.README_END)]
    assert block.strip() == settings.readme_table(REGISTRY), (
        "run: python -m customer_intel.ops.settings readme"
    )


def test_registry_rejects_a_var_without_spec(tmp_path) -> None:
    project = tmp_path / "dbt_project.yml"
    project.write_text("vars:\n  a: 1\n  b: 2\n  var_specs:\n    a: {type: int, min: 0, max: 9, doc: x}\n")
    with pytest.raises(ValueError, match=r"vars without a spec: \['b'\]"):
        settings.load_registry(project)


@pytest.mark.parametrize(
    ("config", "field", "var_name"),
    [
        (SegmentationConfig(features=("a",)), "k_min", "segment_k_min"),
        (SegmentationConfig(features=("a",)), "k_max", "segment_k_max"),
        (SegmentationConfig(features=("a",)), "max_training_rows", "segment_max_training_rows"),
        (SegmentationConfig(features=("a",)), "selection_max_rows", "segment_selection_max_rows"),
        (ChurnConfig(features=("a",)), "c", "churn_regularization_c"),
        (ChurnConfig(features=("a",)), "class_weight", "churn_class_weight"),
        (ChurnConfig(features=("a",)), "min_training_rows", "churn_min_training_rows"),
        (NeighborConfig(), "similarity", "item_similarity"),
        (NeighborConfig(), "k", "item_neighbors_k"),
        (NeighborConfig(), "min_co_users", "item_min_co_users"),
        (NeighborConfig(), "shrinkage", "item_similarity_shrinkage"),
    ],
)
def test_python_defaults_equal_the_registry(config: object, field: str, var_name: str) -> None:
    assert getattr(config, field) == REGISTRY[var_name]["default"]


def test_every_var_reference_is_registered() -> None:
    pattern = re.compile(r"\b(?:var|typed_var|date_var_literal)\('([a-z_0-9]+)'")
    referenced = set()
    for folder in ("models", "macros", "python_models", "tests"):
        for path in (PROJECT_DIR / folder).rglob("*"):
            if path.suffix in {".sql", ".yml", ".py"} and "python" not in path.parts[-2:-1]:
                referenced |= set(pattern.findall(path.read_text()))
    referenced -= {"var_specs"}
    assert referenced and referenced <= set(REGISTRY), sorted(referenced - set(REGISTRY))
