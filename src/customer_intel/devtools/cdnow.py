"""Convert the CDNOW sample into the raw-data contract (events, users, items).

    python -m customer_intel.devtools.cdnow
        --source ../shared/data/cdnow/CDNOW_sample.txt --out data/cdnow

The source (Fader, Hardie and Lee, 2005) is whitespace-separated text without a header, one
purchase per line: `master_customer_id sample_customer_id date(YYYYMMDD) number_of_cds
dollar_value`. A line that does not have that form stops the conversion with a message naming
the file and the line (nothing is written then).

Mapping (documented in the README, "Real data: CDNOW"); every non-blank source line becomes
exactly one `purchase` event, so the warehouse accounts for every line:
- events: `event_id` = `order_id` = "CDNOW-" + the line's number in the file (1-based). The
  file has no ids and identical lines occur (19 groups, 21 extra lines in the sample): the same
  customer buying the same number of CDs for the same amount twice on a day. They are separate
  purchases (the literature counts every line), so each line gets its own id and is kept; an
  md5 of the columns, as for Online Retail, would turn the repeats into `duplicate` rows and
  drop their revenue. `user_id` = master_customer_id as written (zero-padded text; the
  sample_customer_id is only its number within the sample and is not used); `event_at` = the
  date at 00:00 UTC (the source has no time of day); `item_id` = `cd` (CDNOW records no
  product); `quantity` = number_of_cds; `unit_price` = dollar_value / number_of_cds rounded
  half-even to 4 decimals (NULL for a line with 0 CDs); `channel` = `online_store`. Lines with
  0 CDs or $0 are kept in the files for the warehouse to quarantine with a reason
  (`non_positive_quantity`, `non_positive_price`), never dropped here.
- users: one per master_customer_id: `signed_up_at` = the first purchase day (the sample is of
  people who first bought in 1997 Q1); no email, phone, city, birth year or acquisition channel.
- items: the one item `cd` (category `music`), `list_price` = the median unit price of the
  lines with CDs and dollars.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import duckdb
import pandas as pd

EVENT_ID_PREFIX = "CDNOW-"
ITEM_ID = "cd"
CHANNEL = "online_store"
SOURCE_FORMAT = "master_customer_id sample_customer_id YYYYMMDD number_of_cds dollar_value"
# One purchase line: two numeric ids, a date, a whole number of CDs and an amount (a sign is
# allowed so that a negative value reaches the warehouse's quarantine instead of failing here).
LINE = re.compile(r"\s*(\d+)\s+(\d+)\s+(\d{8})\s+([+-]?\d+)\s+([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)\s*")
PRICE_STEP = Decimal("0.0001")  # the contract's decimal(18, 4)


class CdnowFormatError(ValueError):
    """The source is not in the CDNOW format (the message names the file and the line)."""


@dataclass(frozen=True)
class Purchase:
    """One source line."""

    line_number: int
    customer_id: str
    purchased_on: date
    cds: int
    dollars: Decimal

    @property
    def unit_price(self) -> Decimal | None:
        """Dollars per CD at the contract's precision; None without CDs (nothing to divide by)."""
        if self.cds == 0:
            return None
        return (self.dollars / self.cds).quantize(PRICE_STEP, rounding=ROUND_HALF_EVEN)


def _shown(line: str) -> str:
    """A source line as shown in an error message (at most 80 characters)."""
    return ascii(line if len(line) <= 80 else line[:77] + "...")


def read_source(source: Path) -> list[Purchase]:
    """The purchases of a CDNOW file, one per non-blank line (blank lines are skipped; their
    numbers are not reused). Raises CdnowFormatError on any other line."""
    text = source.read_bytes().decode("ascii", errors="replace")  # other bytes never match LINE
    purchases = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = LINE.fullmatch(line)
        if match is None:
            raise CdnowFormatError(
                f"{source}: line {number} is not the CDNOW format (5 whitespace-separated fields: "
                f"{SOURCE_FORMAT}): {_shown(line)}"
            )
        customer_id, _, day, cds, dollars = match.groups()
        try:
            purchased_on = datetime.strptime(day, "%Y%m%d").date()
        except ValueError:
            raise CdnowFormatError(f"{source}: line {number}: {day} is not a date YYYYMMDD") from None
        purchases.append(Purchase(number, customer_id, purchased_on, int(cds), Decimal(dollars)))
    if not purchases:
        raise CdnowFormatError(f"{source}: no purchase lines (expected: {SOURCE_FORMAT})")
    return purchases


def list_price(purchases: list[Purchase]) -> str | None:
    """The median unit price of the lines with CDs and dollars, rounded half-even to 4 decimals
    (None when there is none)."""
    prices = [p.unit_price for p in purchases if p.cds > 0 and p.dollars > 0]
    if not prices:
        return None
    return str(Decimal(statistics.median(prices)).quantize(PRICE_STEP, rounding=ROUND_HALF_EVEN))


def events_frame(purchases: list[Purchase]) -> pd.DataFrame:
    """The events of the contract, one purchase per source line, in file order (numbers as
    text: DuckDB casts them to the contract's types exactly)."""
    rows = []
    for p in purchases:
        unit_price = p.unit_price
        rows.append(
            {
                "event_id": f"{EVENT_ID_PREFIX}{p.line_number}",
                "user_id": p.customer_id,
                "order_id": f"{EVENT_ID_PREFIX}{p.line_number}",
                "quantity": p.cds,
                "unit_price": None if unit_price is None else str(unit_price),
                "event_at": p.purchased_on.isoformat(),
            }
        )
    return pd.DataFrame(
        rows, columns=["event_id", "user_id", "order_id", "quantity", "unit_price", "event_at"]
    )


def convert(source: Path, out: Path) -> dict[str, int]:
    """Write events/users/items Parquet files of the contract into `out`; return row counts.
    Raises CdnowFormatError (nothing written) when the source is not in the CDNOW format."""
    purchases = read_source(source)
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        con.register("source_frame", events_frame(purchases))
        con.execute(
            f"""
            create table events as
            select
                event_id,
                user_id,
                'purchase' as event_type,
                '{ITEM_ID}' as item_id,
                order_id,
                cast(quantity as integer) as quantity,
                cast(unit_price as decimal(18, 4)) as unit_price,
                cast(event_at as timestamp) as event_at,
                '{CHANNEL}' as channel
            from source_frame
            """
        )
        con.execute(f"copy events to '{out / 'events.parquet'}' (format parquet)")
        con.execute(
            f"""
            copy (
                select
                    user_id,
                    min(event_at) as signed_up_at,
                    cast(null as varchar) as email,
                    cast(null as varchar) as phone,
                    cast(null as varchar) as city,
                    cast(null as integer) as birth_year,
                    cast(null as varchar) as acquisition_channel
                from events
                group by user_id
                order by user_id
            ) to '{out / "users.parquet"}' (format parquet)
            """
        )
        con.execute(
            f"""
            copy (
                select
                    '{ITEM_ID}' as item_id,
                    'CD (CDNOW records no product)' as item_name,
                    'music' as category,
                    cast(null as varchar) as brand,
                    cast(? as decimal(18, 4)) as list_price,
                    true as is_merchandise
            ) to '{out / "items.parquet"}' (format parquet)
            """,
            [list_price(purchases)],
        )
        counts = {"source_lines": len(purchases)}
        for table in ("events", "users", "items"):
            path = out / f"{table}.parquet"
            counts[table] = con.execute(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]
    finally:
        con.close()
    counts["zero_cd_lines"] = sum(p.cds == 0 for p in purchases)
    counts["zero_dollar_lines"] = sum(p.dollars == 0 for p in purchases)
    distinct = {(p.customer_id, p.purchased_on, p.cds, p.dollars) for p in purchases}
    counts["repeated_identical_lines"] = len(purchases) - len(distinct)
    return counts


def main(argv: list[str] | None = None) -> None:
    """Convert and print the row counts; a missing or malformed source stops with a message."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--source", type=Path, default=Path("../shared/data/cdnow/CDNOW_sample.txt"))
    p.add_argument("--out", type=Path, default=Path("data/cdnow"))
    args = p.parse_args(argv)
    if not args.source.is_file():
        raise SystemExit(f"error: CDNOW file not found: {args.source}")
    try:
        counts = convert(args.source, args.out)
    except CdnowFormatError as exc:
        raise SystemExit(f"error: {exc}") from None
    if counts["events"] != counts["source_lines"]:
        raise SystemExit(f"error: conversion lost lines: {counts}")
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
