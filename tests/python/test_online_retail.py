"""Real data end to end: the full UCI Online Retail file through the whole warehouse.

CI runs this with the file beside the clone (`../shared/data/online_retail/`, or the path in
ONLINE_RETAIL_SOURCE). A missing file fails the test: a change that breaks real data must not
pass silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from conftest import MODELS_ONLY, PROJECT_DIR, DbtRunner
from customer_intel.devtools.online_retail import NON_MERCHANDISE_CODES, convert
from customer_intel.devtools.recommendation_check import check as recommendation_check
from customer_intel.devtools.report import ONLINE_RETAIL_VARS

pytestmark = pytest.mark.dbt

SOURCE = Path(
    os.environ.get("ONLINE_RETAIL_SOURCE")
    or PROJECT_DIR.parent / "shared" / "data" / "online_retail" / "online_retail.parquet"
)
SOURCE_LINES = 541_909


@pytest.fixture(scope="module")
def retail_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtRunner, Path]:
    """Online Retail converted and built with the project's documented settings."""
    if not SOURCE.exists():
        pytest.fail(f"UCI Online Retail file not found at {SOURCE} (set ONLINE_RETAIL_SOURCE)")
    tmp = tmp_path_factory.mktemp("online_retail")
    counts = convert(SOURCE, tmp / "raw")
    assert counts == {"events": SOURCE_LINES, "users": 4372, "items": 4070, "source_lines": SOURCE_LINES}
    runner = DbtRunner(tmp)
    result = runner.run("build", dbt_vars={"raw_data_path": str(tmp / "raw"), **ONLINE_RETAIL_VARS})
    assert result.returncode == 0, result.output[-4000:]
    return runner, tmp


def test_mapping_of_the_source(retail_build: tuple[DbtRunner, Path]) -> None:
    _, tmp = retail_build
    con = duckdb.connect()
    events = f"read_parquet('{tmp / 'raw' / 'events.parquet'}')"
    source = f"read_parquet('{SOURCE}')"
    try:
        cancel_sql = f"select count(*) from {source} where InvoiceNo like 'C%'"
        cancellations = con.execute(cancel_sql).fetchall()[0][0]
        refunds = con.execute(
            f"select count(*), min(quantity) from {events} where event_type = 'refund'"
        ).fetchall()[0]
        negative_purchases = con.execute(
            f"select count(*) from {events} where event_type = 'purchase' and quantity <= 0"
        ).fetchall()[0][0]
        flags = dict(
            con.execute(
                f"select item_id, is_merchandise from read_parquet('{tmp / 'raw' / 'items.parquet'}') "
                "where item_id in ('POST', 'DOT', 'M', 'BANK CHARGES', 'AMAZONFEE', '85123A')"
            ).fetchall()
        )
    finally:
        con.close()
    assert refunds == (cancellations, 1)  # every cancellation is a refund with a positive quantity
    assert negative_purchases == 1336  # other negative quantities keep their sign for the quarantine
    assert flags == {"POST": False, "DOT": False, "M": False, "BANK CHARGES": False, "AMAZONFEE": False,
                     "85123A": True}  # fmt: skip
    assert {"POST", "DOT", "M", "D", "BANK CHARGES", "AMAZONFEE"} <= set(NON_MERCHANDISE_CODES)


def test_every_line_is_accounted_for(retail_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = retail_build
    rows = dict(
        runner.query(
            "select outcome || ':' || reject_reason, row_count from marts.raw_load_summary "
            "where source_table = 'events'"
        )
    )
    assert sum(rows.values()) == SOURCE_LINES
    assert rows["rejected:missing_user_id"] == 135_080  # guest checkouts
    kept = runner.query("select count(*) from marts.clean_events")[0][0]
    rejected = runner.query("select count(*) from marts.rejected_events")[0][0]
    assert kept + rejected == SOURCE_LINES


def test_models_beat_their_baselines_on_real_data(retail_build: tuple[DbtRunner, Path]) -> None:
    runner, _ = retail_build
    auc = dict(runner.query("select model_name, roc_auc from marts.churn_evaluation"))
    ((champion,),) = runner.query("select model_name from marts.churn_evaluation where is_champion")
    # what serves ranks churners at least as well as recency alone, out of time
    assert auc[champion] >= auc["recency_only"], auc
    hit = dict(
        runner.query(
            "select model_name, hit_rate from marts.recommendation_evaluation "
            "where evaluation_mode = 'exclude_bought'"  # the mode the project serves by default
        )
    )
    # against the lookback window's best sellers (the trending windows are issue 15's bar)
    assert hit["item_cf"] > hit["popularity_lookback"], hit
    non_merchandise = runner.query(
        """
        select count(*) from marts.user_recommendations as r
        inner join marts.item_popularity as p on r.item_id = p.item_id
        where not p.is_merchandise
        """
    )
    assert non_merchandise == [(0,)]
    in_neighbors = runner.query(
        "select count(*) from marts.item_neighbors where item_id in ('POST', 'DOT', 'M') "
        "or neighbor_item_id in ('POST', 'DOT', 'M')"
    )
    assert in_neighbors == [(0,)]
    segments = runner.query("select count(*) from marts.segment_profiles")[0][0]
    assert segments >= 2


BASELINE_COLUMNS = {
    "popularity_lookback": "buyers",
    "popularity_90d": "buyers_90d",
    "popularity_30d": "buyers_30d",
    "popularity_7d": "buyers_7d",
    "popularity_decayed": "decayed_buyers",
}


def test_the_backtest_champion_serves_and_its_lists_follow_its_rule(
    retail_build: tuple[DbtRunner, Path],
) -> None:
    runner, _ = retail_build
    rows = runner.query(
        "select model_name, hit_rate, candidate_order, is_champion from marts.recommendation_evaluation "
        "where evaluation_mode = 'exclude_bought'"
    )
    best = max(hit for _, hit, _, _ in rows)
    expected = min((order, name) for name, hit, order, _ in rows if hit >= best)[1]
    champions = [name for name, *_, flag in rows if flag]
    assert champions == [expected], rows
    served = runner.query("select distinct served_model from marts.user_recommendations")
    assert served == [(expected,)]
    if expected not in BASELINE_COLUMNS:
        return
    # a baseline serves: recompute a person's list from the published tables
    column = BASELINE_COLUMNS[expected]
    ranked = [
        item
        for (item,) in runner.query(
            "select item_id from marts.item_popularity "
            "where is_known_item and is_merchandise and buyers > 0 "
            f"order by {column} desc, popularity_rank asc"
        )
    ]
    people = runner.query(
        "select user_key, list(item_id order by rank) from marts.user_recommendations "
        "where source like 'trending%' or source = 'popular' group by user_key order by user_key limit 50"
    )
    assert len(people) == 50
    for user_key, items in people:
        bought = {
            item
            for (item,) in runner.query(
                "select distinct item_id from marts.clean_events "
                "where event_type = 'purchase' and user_key = ?",
                [user_key],
            )
        }
        assert items == [item for item in ranked if item not in bought][: len(items)] and len(items) == 10


# an analysis date with 30 days of purchases after it (the Christmas run-up)
EARLIER_AS_OF = "2011-11-08"


def test_served_lists_match_the_best_baseline_on_the_month_after(
    retail_build: tuple[DbtRunner, Path], tmp_path: Path
) -> None:
    # out of time: built as of EARLIER_AS_OF, the served lists hit at least as many of the people
    # who bought something new in the next 30 days as the best popularity baseline does
    _, retail = retail_build
    runner = DbtRunner(tmp_path)
    dbt_vars = {"raw_data_path": str(retail / "raw"), **ONLINE_RETAIL_VARS, "as_of_date": EARLIER_AS_OF}
    result = runner.run(
        "build", "--select", "+user_recommendations", "+item_popularity", "+clean_events", *MODELS_ONLY,
        dbt_vars=dbt_vars,
    )  # fmt: skip
    assert result.returncode == 0, result.output[-4000:]
    rows = {name: (people, rate) for name, people, rate in recommendation_check(runner.db_path, 30)}
    served = next(value for name, value in rows.items() if name.startswith("served"))
    baselines = {name: value for name, value in rows.items() if name.startswith("popularity_")}
    assert len(baselines) == 5 and served[0] > 500
    assert all(people == served[0] for people, _ in baselines.values()), rows
    assert served[1] >= max(rate for _, rate in baselines.values()), rows
