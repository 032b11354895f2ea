"""The DuckDB floor of the benchmark: the project's core SQL written directly, with no dbt.

One script, one connection, one new database file: read the raw events, deduplicate them on
`event_id`, then build the tables every later step stands on (RFM per person, the decayed
user-item matrix, per-person event features). It is what the same machine needs for the
essential work, so `make bench` reports the dbt build as a ratio to it, measured in the same run.
It does none of the project's checking (quarantine, pseudonymisation, contracts, tests), snapshots
or models; the ratio is the price of those and of dbt itself.

Usage: python -m customer_intel.devtools.bench_floor --raw DIR --db FILE [--memory-limit 3GB]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

FLOOR_SQL = """
create table events as
select * exclude (row_number)
from (
    select
        *,
        row_number() over (partition by event_id order by event_at, user_id, item_id) as row_number
    from read_parquet('{events}')
    where event_id is not null and user_id is not null
        and event_at between timestamp '1990-01-01' and current_timestamp::timestamp
)
where row_number = 1;

create table as_of as
select max(event_at)::date as as_of_date from events;

create table rfm as
with per_user as (
    select
        user_id,
        (select as_of_date from as_of) - max(event_at)::date as recency_days,
        count(distinct order_id) as frequency,
        sum(quantity * unit_price) as monetary
    from events
    where event_type = 'purchase'
    group by user_id
)
select
    *,
    ntile(5) over (order by recency_days desc) as r_score,
    ntile(5) over (order by frequency) as f_score,
    ntile(5) over (order by monetary) as m_score
from per_user;

create table user_item as
select
    user_id,
    item_id,
    greatest(sum(
        case event_type when 'view' then 1 when 'add_to_cart' then 3 when 'purchase' then 5
            when 'refund' then -5 else 0 end
        * pow(0.5, ((select as_of_date from as_of) - event_at::date) / 30)
    ), 0) as interaction_weight,
    count(*) as events
from events
where item_id is not null
    and event_at::date > (select as_of_date from as_of) - 365
group by user_id, item_id;

create table user_features as
select
    user_id,
    count(*) filter (where event_type = 'view') as views,
    count(*) filter (where event_type = 'add_to_cart') as carts,
    count(*) filter (where event_type = 'purchase') as purchases,
    count(distinct event_at::date) as active_days,
    sum(quantity * unit_price) filter (where event_type = 'purchase') as revenue,
    min(event_at) as first_event_at,
    max(event_at) as last_event_at
from events
group by user_id;
"""


def run_floor(raw: Path, db: Path, memory_limit: str, threads: int) -> dict[str, int]:
    """Build the floor tables in a new database file; return each table's row count."""
    if db.exists():
        db.unlink()
    con = duckdb.connect(str(db), config={"memory_limit": memory_limit, "threads": threads})
    try:
        con.execute(FLOOR_SQL.format(events=(raw / "events.parquet").as_posix().replace("'", "''")))
        return {
            table: con.execute(f"select count(*) from {table}").fetchone()[0]
            for table in ("events", "rfm", "user_item", "user_features")
        }
    finally:
        con.close()


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--raw", type=Path, required=True)
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--memory-limit", default="3GB")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    print(run_floor(args.raw, args.db, args.memory_limit, args.threads))


if __name__ == "__main__":
    main()
