"""Deterministic demo-data generator writing the raw-data contract (events, users, items).

Usage: python -m customer_intel.devtools.demo_data --out data/demo [--seed 42 --users 4000
--items 400 --days 365 --end-date 2026-06-30]
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

from customer_intel.devtools.demo_data.config import GeneratorConfig
from customer_intel.devtools.demo_data.generate import generate


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line interface of the generator."""
    p = argparse.ArgumentParser(
        prog="python -m customer_intel.devtools.demo_data", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--out", type=Path, required=True, help="directory to write the contract files to")
    p.add_argument("--seed", type=int, default=GeneratorConfig.seed)
    p.add_argument("--users", type=int, default=GeneratorConfig.users)
    p.add_argument("--items", type=int, default=GeneratorConfig.items)
    p.add_argument("--days", type=int, default=GeneratorConfig.days)
    p.add_argument("--end-date", type=date.fromisoformat, default=GeneratorConfig.end_date)
    p.add_argument("--bad-row-share", type=float, default=GeneratorConfig.bad_row_share)
    args = p.parse_args(argv)
    for name in ("users", "items", "days"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")
    if not 0 <= args.bad_row_share < 0.5:
        p.error("--bad-row-share must be in [0, 0.5)")
    return args


def main(argv: list[str] | None = None) -> None:
    """Generate the demo data set and print a one-line summary."""
    args = parse_args(argv)
    cfg = GeneratorConfig(args.seed, args.users, args.items, args.days, args.end_date, args.bad_row_share)
    started = time.perf_counter()
    counts = generate(cfg, args.out)
    print(
        f"demo data: {counts['raw_events']:,} raw events ({counts['clean_events']:,} clean + "
        f"{counts['raw_events'] - counts['clean_events']:,} planted bad rows), {cfg.users:,} users, "
        f"{cfg.items:,} items -> {args.out} in {time.perf_counter() - started:.1f}s"
    )


if __name__ == "__main__":
    main()
