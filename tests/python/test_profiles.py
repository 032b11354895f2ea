"""Customer profiles: planted demo archetypes -> RFM segments, and the crosstab report.

The hand-computed RFM / features / interactions on the 9-event fixture tests/raw/profiles (as_of
replay included) are dbt unit tests in models/intermediate/_intermediate__models.yml:
int_user_features_snapshots_replay_by_hand, int_item_window_events_lookback_by_hand,
int_user_item_interactions_snapshots_decay_and_refunds_by_hand and
int_item_popularity_snapshots_ranks_by_hand (the RFM scores: the rfm_scores unit tests).
"""

from __future__ import annotations

import pytest

from conftest import MODELS_ONLY, DbtRunner
from customer_intel.devtools.demo_data.config import GeneratorConfig
from customer_intel.devtools.demo_data.generate import generate
from customer_intel.devtools.report import NO_PURCHASE, archetype_rfm_crosstab, markdown_crosstab
from customer_intel.ops.pii import DEMO_SECRET

pytestmark = pytest.mark.dbt


# archetype -> the RFM segments a marketer would expect it to land in (buyers in the window)
EXPECTED_SEGMENTS = {
    "loyal_high_spender": {"Champions", "Loyal"},
    "bargain_hunter": {"Champions", "Loyal", "Potential Loyalist", "Need Attention"},
    "new_user": {"New", "Promising", "Potential Loyalist"},
    "lapsing": {"At Risk", "Hibernating", "Lost", "Can't Lose Them"},
    "occasional": {
        "Need Attention", "Potential Loyalist", "About to Sleep", "Hibernating", "Lost", "Promising", "New",
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def demo_crosstab(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, int]]:
    """archetype -> segment ('(none)' without a purchase in the window) -> people, on a demo
    data set of 1,500 people (seed 7; RFM only, models and seeds)."""
    tmp = tmp_path_factory.mktemp("archetypes")
    generate(GeneratorConfig(seed=7, users=1500, items=200, days=365), tmp / "raw")
    runner = DbtRunner(tmp)
    dbt_vars = {"raw_data_path": str(tmp / "raw")}
    result = runner.run("build", "--select", "+rfm_scores", *MODELS_ONLY, dbt_vars=dbt_vars)
    assert result.returncode == 0, result.output[-4000:]
    rows = archetype_rfm_crosstab(runner.db_path, tmp / "raw" / "_truth" / "users.parquet", DEMO_SECRET)
    table: dict[str, dict[str, int]] = {}
    for segment, archetype, people in rows:
        table.setdefault(archetype, {})["(none)" if segment == NO_PURCHASE else segment] = people
    return table


@pytest.mark.parametrize("archetype", sorted(EXPECTED_SEGMENTS))
def test_archetype_lands_mostly_in_expected_segments(
    demo_crosstab: dict[str, dict[str, int]], archetype: str
) -> None:
    buyers = {s: n for s, n in demo_crosstab[archetype].items() if s != "(none)"}
    expected = sum(n for s, n in buyers.items() if s in EXPECTED_SEGMENTS[archetype])
    assert expected / sum(buyers.values()) > 0.6, buyers


def test_window_shoppers_rarely_buy_and_never_look_loyal(demo_crosstab: dict[str, dict[str, int]]) -> None:
    people = demo_crosstab["window_shopper"]
    total = sum(people.values())
    assert people.get("(none)", 0) / total > 0.4
    frequent = sum(people.get(s, 0) for s in ("Champions", "Loyal", "Can't Lose Them", "At Risk"))
    assert frequent / total < 0.05


def test_markdown_crosstab_fills_missing_cells() -> None:
    text = markdown_crosstab([("Lost", "a", 2), ("New", "b", 1)])
    assert text.splitlines() == [
        "| RFM segment | a | b |",
        "|---|---:|---:|",
        "| Lost | 2 | 0 |",
        "| New | 0 | 1 |",
    ]
