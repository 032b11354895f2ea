"""Deterministic demo-data generator writing the raw-data contract (events, users, items).

The data is synthetic but planted with structure the warehouse must find (see README, "Demo
data"): customer archetypes with distinct RFM behaviour, a churn process driven by observable
behaviour, item categories with co-purchase affinity, private-domain channels, and a small share
of bad rows of every defect kind the quarantine knows. The ground truth is written to
`<out>/_truth/`, beside the data; no model reads it, only tests do.

Memory stays bounded: users are simulated in fixed-size chunks that are appended to an on-disk
DuckDB scratch database, and DuckDB sorts and writes the final Parquet files (spilling if needed).

Usage: python -m customer_intel.devtools.demo_data --out data/demo [--seed 42 --users 4000
--items 400 --days 365 --end-date 2026-06-30]
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb
import numpy as np

from customer_intel.devtools.demo_data.catalog import CATEGORIES, build_items, item_sampler
from customer_intel.devtools.demo_data.config import CHUNK_USERS, GeneratorConfig
from customer_intel.devtools.demo_data.experiment import plant_experiment
from customer_intel.devtools.demo_data.simulate import simulate_events, simulate_users
from customer_intel.devtools.demo_data.write import (
    lookup_tables,
    write_assignments,
    write_events,
    write_items,
    write_truth,
    write_users,
)


def generator_seeds(cfg: GeneratorConfig) -> list[np.random.SeedSequence]:
    """The generator's independent random streams: [0] the catalog, [1] the written events (bad
    rows), [2] the planted experiment, [3 + c] the people of user chunk c (CHUNK_USERS each)."""
    return np.random.SeedSequence(cfg.seed).spawn(3 + (cfg.users + CHUNK_USERS - 1) // CHUNK_USERS)


def generate(cfg: GeneratorConfig, out: Path) -> dict[str, int]:
    """Generate the contract files into `out` (and ground truth into `out/_truth`); return counts."""
    out.mkdir(parents=True, exist_ok=True)
    truth_dir = out / "_truth"
    truth_dir.mkdir(exist_ok=True)
    seeds = generator_seeds(cfg)
    items = build_items(cfg, np.random.default_rng(seeds[0]))
    samplers = item_sampler(items, len(CATEGORIES))
    scratch_dir = Path(tempfile.mkdtemp(prefix="demo_data_"))
    try:
        con = duckdb.connect(str(scratch_dir / "scratch.duckdb"))
        lookup_tables(con)
        order_offset = 0
        for chunk, first in enumerate(range(0, cfg.users, CHUNK_USERS)):
            rng = np.random.default_rng(seeds[3 + chunk])
            users = simulate_users(cfg, rng, first, min(CHUNK_USERS, cfg.users - first))
            events, n_orders = simulate_events(cfg, rng, users, items, samplers, order_offset)
            order_offset += n_orders
            con.register("users_chunk", users)
            con.register("events_chunk", events)
            verb = "create table" if chunk == 0 else "insert into"
            con.execute(f"{verb} sim_users {'as ' if chunk == 0 else ''}select * from users_chunk")
            con.execute(f"{verb} sim_events {'as ' if chunk == 0 else ''}select * from events_chunk")
            con.unregister("users_chunk")
            con.unregister("events_chunk")
        plant_experiment(con, cfg, np.random.default_rng(seeds[2]), items, samplers, order_offset)
        con.register("items_frame", items)
        con.execute("create table sim_items as select * from items_frame")
        write_items(con, out)
        write_users(con, cfg, out)
        write_assignments(con, cfg, out)
        counts = write_events(con, cfg, np.random.default_rng(seeds[1]), out)
        write_truth(con, cfg, truth_dir, counts)
        con.close()
    finally:
        shutil.rmtree(scratch_dir, ignore_errors=True)
    return counts
