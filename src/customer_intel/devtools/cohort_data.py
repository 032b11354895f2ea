"""A young shop whose customers' behaviour drifts over their lifetime, in the raw contract.

    python -m customer_intel.devtools.cohort_data --out data/cohort [--users 3000 --days 540 --seed 7]

Not the demo generator: no planted churn features, no defects. Everyone joins in the shop's
first 90 days, so every snapshot sees one cohort at another age. Each customer buys as a
Poisson process with a personal rate (gamma distributed, mean one purchase every ~20 days)
while alive, and is one of three kinds:
- `short`: stops for good after an exponential lifetime (mean 100 days);
- `steady`: never stops;
- `fading`: never stops, but the rate halves every 120 days of tenure.
Events are purchases (one line, 1-3 units of one of 50 items) each preceded by a view of the
item the same day. Used to check churn scoring on data it was not designed on
(`tests/python/test_churn_cohorts.py`).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

START = pd.Timestamp("2025-01-01")
KINDS = ("short", "steady", "fading")
KIND_SHARES = (0.40, 0.35, 0.25)


@dataclass(frozen=True)
class CohortConfig:
    """Size and seed of the generated shop."""

    users: int = 3000
    days: int = 540
    items: int = 50
    seed: int = 7
    join_days: int = 90
    short_lifetime_days: float = 100.0
    fading_half_life_days: float = 120.0


def purchase_days(
    rng: np.random.Generator, cfg: CohortConfig, kind: str, join: float, rate: float
) -> np.ndarray:
    """The purchase times (days since START) of one customer: a Poisson process of `rate` per
    day from `join` until death or the end, thinned by the fading factor for `fading`."""
    end = float(cfg.days)
    if kind == "short":
        end = min(end, join + rng.exponential(cfg.short_lifetime_days))
    span = max(end - join, 0.0)
    times = np.sort(join + rng.uniform(0.0, span, rng.poisson(rate * span)))
    if kind == "fading":
        keep = rng.random(len(times)) < 0.5 ** ((times - join) / cfg.fading_half_life_days)
        times = times[keep]
    return times


def generate(cfg: CohortConfig) -> dict[str, pd.DataFrame]:
    """The events, users and items frames of the contract."""
    rng = np.random.default_rng(cfg.seed)
    prices = np.round(rng.uniform(5, 80, cfg.items), 2)
    items = pd.DataFrame(
        {
            "item_id": [f"I{j:03d}" for j in range(cfg.items)],
            "item_name": [f"item {j}" for j in range(cfg.items)],
            "category": [f"category {j % 5}" for j in range(cfg.items)],
            "brand": None,
            "list_price": prices,
        }
    )
    kinds = rng.choice(len(KINDS), size=cfg.users, p=KIND_SHARES)
    joins = rng.uniform(0, cfg.join_days, cfg.users)
    rates = rng.gamma(2.0, 1 / 40, cfg.users)
    rows = []
    for u in range(cfg.users):
        times = purchase_days(rng, cfg, KINDS[kinds[u]], joins[u], rates[u])
        item = rng.integers(0, cfg.items, len(times))
        quantity = rng.integers(1, 4, len(times))
        for k, t in enumerate(times):
            at = START + pd.Timedelta(seconds=round(t * 86_400))
            common = {"user_id": f"C{u:05d}", "item_id": f"I{item[k]:03d}", "channel": "app"}
            rows.append(
                {**common, "event_id": f"V{u:05d}-{k}", "event_type": "view", "order_id": None,
                 "quantity": None, "unit_price": None, "event_at": at - pd.Timedelta(minutes=5)}
            )  # fmt: skip
            rows.append(
                {**common, "event_id": f"P{u:05d}-{k}", "event_type": "purchase", "order_id": f"O{u:05d}-{k}",
                 "quantity": int(quantity[k]), "unit_price": float(prices[item[k]]), "event_at": at}
            )  # fmt: skip
    events = pd.DataFrame(rows).astype({"quantity": "Int64"})
    users = pd.DataFrame(
        {
            "user_id": [f"C{u:05d}" for u in range(cfg.users)],
            "signed_up_at": [START + pd.Timedelta(days=float(j)) for j in joins],
            "email": None,
            "phone": None,
            "city": None,
            "birth_year": pd.array([None] * cfg.users, dtype="Int64"),
            "acquisition_channel": None,
        }
    )
    return {"events": events, "users": users, "items": items}


def write(frames: dict[str, pd.DataFrame], out: Path) -> dict[str, int]:
    """Write each frame as `<table>.parquet` in `out`; return the row counts."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        for name, frame in frames.items():
            con.register("frame", frame)
            con.execute(f"copy (select * from frame) to '{out / (name + '.parquet')}' (format parquet)")
            con.unregister("frame")
    finally:
        con.close()
    return {name: len(frame) for name, frame in frames.items()}


def main() -> None:
    """Generate the shop into --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--users", type=int, default=CohortConfig.users)
    parser.add_argument("--days", type=int, default=CohortConfig.days)
    parser.add_argument("--seed", type=int, default=CohortConfig.seed)
    args = parser.parse_args()
    counts = write(generate(CohortConfig(users=args.users, days=args.days, seed=args.seed)), args.out)
    print(", ".join(f"{name}: {n:,} rows" for name, n in counts.items()))


if __name__ == "__main__":
    main()
