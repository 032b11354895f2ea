"""The item-CF step of `make bench`: the package's sparse blocked neighbours against a
straightforward pure-SQL alternative (a self-join of the user-item matrix on user, grouped by
item pair), on the same interactions, in the same run.

Each method runs in a fresh child process (`python -m customer_intel.devtools.bench_item_cf --method ...`)
so its wall time and peak resident memory (from `wait4`) are its own, interpreter start-up
included for both. The interactions are exported once from the build file to Parquet, so neither
method holds the build file open.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from customer_intel.ml.recommend import NeighborConfig, item_neighbors_table

METHODS = ("python_sparse", "sql_self_join")


def export_interactions(build_db: Path, target: Path) -> int:
    """Write marts.user_item_interactions (positive weights) to Parquet; return its rows."""
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        con.execute(
            f"""
            copy (
                select user_key, item_id, interaction_weight
                from marts.user_item_interactions
                where interaction_weight > 0
            ) to '{target}' (format parquet)
            """
        )
        return con.execute(f"select count(*) from read_parquet('{target}')").fetchall()[0][0]
    finally:
        con.close()


def sql_self_join(cfg: NeighborConfig) -> str:
    """Cosine neighbours by a self-join on user: memory grows with the co-occurring pairs."""
    return f"""
        with
        interactions as (select * from read_parquet($path)),
        norms as (
            select item_id, sqrt(sum(interaction_weight * interaction_weight)) as norm
            from interactions group by item_id
        ),
        pairs as (
            select left_side.item_id, right_side.item_id as neighbor_item_id,
                sum(left_side.interaction_weight * right_side.interaction_weight) as dot,
                count(*) as co_users
            from interactions as left_side
            inner join interactions as right_side
                on left_side.user_key = right_side.user_key and left_side.item_id != right_side.item_id
            group by all
            having count(*) >= {int(cfg.min_co_users)}
        ),
        similarities as (
            select pairs.item_id, pairs.neighbor_item_id, pairs.co_users,
                least(pairs.dot / (a.norm * b.norm), 1) * pairs.co_users
                    / (pairs.co_users + {float(cfg.shrinkage)}) as similarity
            from pairs
            inner join norms as a on pairs.item_id = a.item_id
            inner join norms as b on pairs.neighbor_item_id = b.item_id
        ),
        ranked as (
            select *, row_number() over (
                partition by item_id order by similarity desc, neighbor_item_id
            ) as neighbor_rank
            from similarities
        )
        select item_id, neighbor_item_id, similarity, co_users, neighbor_rank
        from ranked where neighbor_rank <= {int(cfg.k)}
    """


def run_method(method: str, interactions: Path, out: Path) -> None:
    """Compute the neighbours with one method and write them to `out` (Parquet)."""
    cfg = NeighborConfig()
    con = duckdb.connect()
    try:
        if method == "python_sparse":
            frame = con.execute("select * from read_parquet(?)", [str(interactions)]).df()
            table = item_neighbors_table(frame, cfg)
            con.register("neighbors", table)
            con.execute(f"copy neighbors to '{out}' (format parquet)")
        else:
            query = f"copy ({sql_self_join(cfg)}) to '{out}' (format parquet)"
            con.execute(query, {"path": str(interactions)})
    finally:
        con.close()


def agreement(python_out: Path, sql_out: Path) -> tuple[int, int, float]:
    """(rows of each result, share of (item, neighbour, rank) rows equal up to 1e-9 in similarity)."""
    con = duckdb.connect()
    try:
        rows = con.execute(
            """
            select
                (select count(*) from read_parquet($a)),
                (select count(*) from read_parquet($b)),
                (
                    select count(*) from read_parquet($a) as a
                    inner join read_parquet($b) as b
                        on a.item_id = b.item_id and a.neighbor_rank = b.neighbor_rank
                        and a.neighbor_item_id = b.neighbor_item_id
                        and abs(a.similarity - b.similarity) < 1e-9
                )
            """,
            {"a": str(python_out), "b": str(sql_out)},
        ).fetchall()[0]
    finally:
        con.close()
    return int(rows[0]), int(rows[1]), rows[2] / max(rows[0], 1)


def main(argv: list[str] | None = None) -> None:
    """Child-process entry point: run one method."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--method", choices=METHODS, required=True)
    p.add_argument("--interactions", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    run_method(args.method, args.interactions, args.out)


if __name__ == "__main__":
    main(sys.argv[1:])
