"""Customer profiles: hand-computed RFM/features, as_of_date replay, archetypes -> RFM segments."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from conftest import FIXTURES, DbtRunner
from customer_intel.devtools.report import NO_PURCHASE, archetype_rfm_crosstab, markdown_crosstab
from customer_intel.ops.pii import DEMO_SECRET, make_user_key_function

pytestmark = pytest.mark.dbt

PROFILES = FIXTURES / "profiles"
KEY = make_user_key_function(DEMO_SECRET)


def build_as_of(runner: DbtRunner, raw: Path, as_of: str | None) -> None:
    """Build the warehouse on `raw` as of `as_of` (None = default)."""
    dbt_vars: dict[str, object] = {"raw_data_path": str(raw)}
    if as_of:
        dbt_vars["as_of_date"] = as_of
    result = runner.run("build", dbt_vars=dbt_vars)
    assert result.returncode == 0, result.output[-4000:]


def rfm(runner: DbtRunner) -> dict[str, tuple]:
    """user_id -> (recency_days, frequency, monetary) of rfm_scores."""
    rows = runner.query("select user_key, recency_days, frequency, monetary from marts.rfm_scores")
    by_key = {KEY(u): u for u in ("p1", "p2", "p3")}
    return {by_key[k]: (r, f, m) for k, r, f, m in rows}


@pytest.mark.parametrize(
    ("as_of", "expected", "population"),
    [
        # refund on 04-12 counts only from then on; p3 signs up on 05-01
        ("2026-05-31", {"p1": (51, 2, Decimal("30")), "p2": (11, 2, Decimal("40"))}, 3),
        ("2026-04-11", {"p1": (1, 2, Decimal("50")), "p2": (37, 1, Decimal("10"))}, 2),
        ("2026-03-01", {"p1": (0, 1, Decimal("10"))}, 2),
        (None, {"p1": (40, 2, Decimal("30")), "p2": (0, 2, Decimal("40"))}, 3),  # default: 05-20
    ],
)
def test_replaying_as_of_date(
    dbt_runner: DbtRunner, as_of: str | None, expected: dict[str, tuple], population: int
) -> None:
    build_as_of(dbt_runner, PROFILES, as_of)
    assert rfm(dbt_runner) == expected
    assert dbt_runner.query("select count(*) from marts.user_features")[0][0] == population


def test_features_by_hand(dbt_runner: DbtRunner) -> None:
    build_as_of(dbt_runner, PROFILES, "2026-05-31")
    rows = dbt_runner.query(
        """
        select user_key, views, carts, refund_rate, view_to_purchase_rate, cart_to_purchase_rate,
            average_order_value, distinct_items_purchased, distinct_categories_purchased, top_category,
            top_category_share, main_channel, active_days_30, active_days_90, tenure_days, days_since_signup,
            has_purchased, recency_days
        from marts.user_features
        """
    )
    got = {row[0]: row[1:] for row in rows}
    # p1: views a once; refunded 20 of 50 gross; orders o1 (10) and o2 (40): AOV 25; top category y 40/50
    assert got[KEY("p1")] == (
        1, 0, 0.4, 1.0, 0.0, Decimal("25"), 2, 2, "y", 0.8, "app", 1, 3, 91, 150, True, 51,
    )  # fmt: skip
    # p2: viewed, carted and bought a; AOV (10 + 30) / 2; active 03-05 and 05-20 (87 and 11 days ago);
    # main channel community_group (3 events) over app (1)
    assert got[KEY("p2")] == (
        1, 1, 0.0, 1.0, 1.0, Decimal("20"), 1, 1, "x", 1.0, "community_group", 1, 2, 87, 119, True, 11,
    )  # fmt: skip
    # p3: one view, never bought: zeros, 'none', NULL recency
    assert got[KEY("p3")] == (
        1,
        0,
        0.0,
        0.0,
        0.0,
        Decimal("0"),
        0,
        0,
        "none",
        0.0,
        "app",
        1,
        1,
        29,
        30,
        False,
        None,
    )


def test_interactions_decay_and_refunds_cancel(dbt_runner: DbtRunner) -> None:
    build_as_of(dbt_runner, PROFILES, "2026-05-31")
    rows = dict(
        ((u, i), (w, c))
        for u, i, w, c in dbt_runner.query(
            "select user_key, item_id, interaction_weight, purchase_count from marts.user_item_interactions"
        )
    )
    # p1-b: purchase (+5, 51 days old) and refund (-5, 49 days old), half-life 30 days
    expected_b = max(5 * 0.5 ** (51 / 30) - 5 * 0.5 ** (49 / 30), 0.0)
    assert rows[(KEY("p1"), "b")][0] == pytest.approx(expected_b)
    assert rows[(KEY("p1"), "b")][0] == 0.0
    # p2-a: view 1 + cart 3 + purchase 5 at 87 days, purchase 5 at 11 days
    expected_a = 9 * 0.5 ** (87 / 30) + 5 * 0.5 ** (11 / 30)
    assert rows[(KEY("p2"), "a")] == (pytest.approx(expected_a), 2)
    popularity = dbt_runner.query(
        "select item_id, buyers, popularity_rank from marts.item_popularity order by 3"
    )
    assert popularity == [("a", 2, 1), ("b", 1, 2)]


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
def demo_crosstab(shared_build: tuple[DbtRunner, Path]) -> dict[str, dict[str, int]]:
    """archetype -> segment ('(none)' without a purchase in the window) -> people, on the CI
    fixture data."""
    runner, raw = shared_build
    rows = archetype_rfm_crosstab(runner.db_path, raw / "_truth" / "users.parquet", DEMO_SECRET)
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
