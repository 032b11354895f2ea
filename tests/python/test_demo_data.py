"""The demo-data generator: contract columns, determinism, planted defects and structure."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from customer_intel.devtools.demo_data.cli import parse_args
from customer_intel.devtools.demo_data.config import ARCHETYPES, DEFECT_KINDS, GeneratorConfig
from customer_intel.devtools.demo_data.generate import generate

SMALL = GeneratorConfig(seed=3, users=400, items=80, days=180)
CONTRACT = {
    "events": [
        "event_id", "user_id", "event_type", "item_id", "order_id", "quantity", "unit_price", "event_at",
        "channel",
    ],
    "users": ["user_id", "signed_up_at", "email", "phone", "city", "birth_year", "acquisition_channel"],
    "items": ["item_id", "item_name", "category", "brand", "list_price"],
}  # fmt: skip


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small generated data set."""
    out = tmp_path_factory.mktemp("demo")
    generate(SMALL, out)
    return out


def content_digest(path: Path) -> str:
    """Order-sensitive digest of a Parquet file's rows."""
    con = duckdb.connect()
    try:
        return con.execute(
            f"select md5(string_agg(md5(cast(t as varchar)), '' order by n)) "
            f"from (select t, row_number() over () as n from read_parquet('{path}') as t)"
        ).fetchall()[0][0]
    finally:
        con.close()


def test_files_follow_the_contract(small: Path) -> None:
    con = duckdb.connect()
    for name, columns in CONTRACT.items():
        got = [
            r[0] for r in con.execute(f"describe select * from '{small / (name + '.parquet')}'").fetchall()
        ]
        assert got == columns
    con.close()


def test_same_seed_same_data_other_seed_other_data(small: Path, tmp_path: Path) -> None:
    generate(SMALL, tmp_path / "again")
    generate(GeneratorConfig(seed=4, users=400, items=80, days=180), tmp_path / "other")
    for name in ("events", "users", "items"):
        assert content_digest(small / f"{name}.parquet") == content_digest(
            tmp_path / "again" / f"{name}.parquet"
        )
    assert content_digest(small / "events.parquet") != content_digest(tmp_path / "other" / "events.parquet")


def test_planted_defects_are_counted_in_truth(small: Path) -> None:
    truth = json.loads((small / "_truth" / "truth.json").read_text())
    counts = truth["counts"]
    assert set(DEFECT_KINDS) <= set(counts)
    con = duckdb.connect()
    events = f"'{small / 'events.parquet'}' as e"
    raw = con.execute(f"select count(*) from {events}").fetchall()[0][0]
    assert raw == counts["raw_events"]
    observed = dict(
        con.execute(
            f"""
            select 'missing_event_id', count(*) filter (where event_id is null) from {events}
            union all select 'missing_user_id', count(*) filter (where user_id is null) from {events}
            union all select 'timestamp_in_future', count(*) filter (where event_at > now()) from {events}
            union all select 'timestamp_before_min_event_date',
                count(*) filter (where event_at < '1990-01-01') from {events}
            union all select 'unknown_event_type', count(*) filter (where event_type = 'page_ping')
                from {events}
            union all select 'duplicate_event_id', count(event_id) - count(distinct event_id) from {events}
            """
        ).fetchall()
    )
    con.close()
    for kind, n in observed.items():
        assert n == counts[kind] > 0, kind


def test_archetypes_differ_in_spend_and_all_appear(small: Path) -> None:
    con = duckdb.connect()
    rows = con.execute(
        f"""
        select t.archetype, sum(e.quantity * e.unit_price) / count(distinct t.user_id) as spend_per_user
        from '{small / "_truth" / "users.parquet"}' as t
        left join '{small / "events.parquet"}' as e on e.user_id = t.user_id and e.event_type = 'purchase'
        group by 1
        """
    ).fetchall()
    con.close()
    spend = dict(rows)
    assert set(spend) == {a.name for a in ARCHETYPES}
    assert spend["loyal_high_spender"] > 3 * spend["bargain_hunter"] > 0
    assert spend["window_shopper"] < spend["occasional"]


def test_cli_rejects_bad_arguments() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--out", "x", "--users", "0"])
    with pytest.raises(SystemExit):
        parse_args(["--out", "x", "--bad-row-share", "0.9"])
