"""Check the served recommendations against what people really bought after the analysis date.

    python -m customer_intel.devtools.recommendation_check --build-db warehouse/build.duckdb [--days 30]

For a build whose `as_of_date` lies at least `--days` before the end of its data: the relevant
items of a person are their purchases in (as_of_date, as_of_date + days] of items they had not
bought by as_of_date (`clean_events` keeps every clean event, also the later ones). Evaluated:
everyone with a served list and at least one relevant item. Prints, as a Markdown table, hit
rate@N of the served lists (`user_recommendations`, and which model served), of every
popularity baseline ranked at as_of_date (`item_popularity`, bought items skipped, the rule of
the backtest) and of every model's `current` lists (item-CF, factorization, hybrid: what would
have been served had it won the backtest), on the same people. The build never reads this
future: it is the acceptance check "does what we serve at least match the best popularity
baseline after as_of".
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

# baseline -> the item_popularity column it ranks by (ties by popularity_rank), as in the
# project's macro popularity_baselines
BASELINES = {
    "popularity_lookback": "buyers",
    "popularity_90d": "buyers_90d",
    "popularity_30d": "buyers_30d",
    "popularity_7d": "buyers_7d",
    "popularity_decayed": "decayed_buyers",
}

# model -> its `current` lists as built at as_of_date (whether or not it serves)
MODEL_LISTS = {
    "item_cf": "select user_key, item_id from intermediate.int_recommendation_lists "
    "where snapshot_role = 'current' and model_name = 'item_cf'",
    "factorization": "select user_key, item_id from intermediate.int_recommendation_lists "
    "where snapshot_role = 'current' and model_name = 'factorization'",
    "hybrid": "select user_key, item_id from intermediate.int_recommendation_hybrid_lists "
    "where snapshot_role = 'current'",
}

PEOPLE_SQL = """
with
as_of as (select as_of_date from intermediate.int_analysis_date),
served as (select user_key, item_id from marts.user_recommendations),
purchases as (
    select distinct
        clean_events.user_key,
        clean_events.item_id,
        clean_events.event_date > as_of.as_of_date as is_later
    from marts.clean_events
    cross join as_of
    where clean_events.event_type = 'purchase' and clean_events.event_date <= as_of.as_of_date + ?
),
bought as (select user_key, item_id from purchases where not is_later),
relevant as (
    select distinct user_key, item_id from purchases where is_later
    except
    select user_key, item_id from bought
),
people as (select distinct user_key from relevant semi join served using (user_key))
"""


def hit_rate(con: duckdb.DuckDBPyConnection, lists_sql: str, days: int) -> tuple[int, float]:
    """(people evaluated, share with at least one relevant item in their list); `lists_sql`
    defines a CTE `lists` (user_key, item_id) after PEOPLE_SQL's."""
    row = con.execute(
        PEOPLE_SQL
        + lists_sql
        + """
        select count(*), coalesce(avg(case when hits > 0 then 1.0 else 0.0 end), 0)
        from (
            select people.user_key, count(relevant.item_id) as hits
            from people
            left join lists on people.user_key = lists.user_key
            left join relevant on lists.user_key = relevant.user_key and lists.item_id = relevant.item_id
            group by people.user_key
        )
        """,
        [days],
    ).fetchone()
    return int(row[0]), float(row[1])


def baseline_lists_sql(column: str, top_n: int) -> str:
    """The CTE `lists` of one popularity baseline: its first top_n unbought items per person."""
    return f"""
    , ranked as (
        select item_id, row_number() over (order by {column} desc, popularity_rank asc) as position
        from marts.item_popularity
        where is_known_item and is_merchandise and buyers > 0
    ),
    candidates as (
        select people.user_key, ranked.item_id, ranked.position
        from people cross join ranked
        anti join bought on bought.user_key = people.user_key and bought.item_id = ranked.item_id
    ),
    lists as (
        select user_key, item_id from candidates
        qualify row_number() over (partition by user_key order by position) <= {int(top_n)}
    )
    """


def check(build_db: Path, days: int = 30) -> list[tuple[str, int, float]]:
    """(list, people evaluated, hit rate) for the served lists, every baseline and every model."""
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        (served_model,) = con.execute("select min(served_model) from marts.user_recommendations").fetchone()
        (top_n,) = con.execute("select coalesce(max(rank), 10) from marts.user_recommendations").fetchone()
        rows = [(f"served ({served_model})", *hit_rate(con, ", lists as (select * from served)", days))]
        for name, column in BASELINES.items():
            rows.append((name, *hit_rate(con, baseline_lists_sql(column, top_n), days)))
        for name, sql in MODEL_LISTS.items():
            rows.append((name, *hit_rate(con, f", lists as ({sql})", days)))
        return rows
    finally:
        con.close()


def main(argv: list[str] | None = None) -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-db", type=Path, required=True)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args(argv)
    print(f"| list | people | hit rate@N, {args.days} days after as_of |\n|---|---:|---:|")
    for name, people, rate in check(args.build_db, args.days):
        print(f"| {name} | {people:,} | {rate:.3f} |")


if __name__ == "__main__":
    main()
