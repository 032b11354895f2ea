"""Convert the UCI Online Retail file into the raw-data contract (events, users, items).

    python -m customer_intel.devtools.online_retail
        --source ../shared/data/online_retail/online_retail.parquet --out data/online_retail

Mapping (documented in the README, "Real data: Online Retail"); every source line becomes exactly
one event row, so the warehouse accounts for all 541,909 lines:
- events: `event_id` = "OR-" + md5 of all the line's original columns (exact duplicate lines
  share an id, so the warehouse counts them as `duplicate`, not as extra revenue); `user_id` =
  CustomerID as text or NULL (guest lines: quarantined as `missing_user_id`); `event_type` =
  `refund` for cancellation invoices (InvoiceNo starting with `C`, quantity made positive, same
  item), else `purchase` (other negative quantities keep their sign: quarantined as
  `non_positive_quantity`; zero prices as `non_positive_price`); `item_id` = StockCode;
  `order_id` = InvoiceNo; `unit_price` = UnitPrice; `event_at` = InvoiceDate (UK time, taken as
  UTC); `channel` = `online_store` (a single channel).
- users: one per CustomerID: `signed_up_at` = first invoice (including cancellations), `city` =
  the customer's most frequent Country (ties: name), no email, phone, birth year or acquisition
  channel in the source.
- items: one per StockCode: `item_name` = most frequent non-empty Description (ties: name),
  `list_price` = median UnitPrice of its positive-price sales lines, no category or brand,
  `is_merchandise` = false for postage, fees, discounts, samples, vouchers and manual
  adjustments (NON_MERCHANDISE_CODES and gift vouchers), never recommended.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb

# Stock codes of the data set that are not products (from their descriptions).
NON_MERCHANDISE_CODES = (
    "POST", "DOT", "C2", "M", "m", "D", "S", "B", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS",
    "DCGS0067", "DCGS0068", "DCGS0073",  # "ebay" adjustment lines
)  # fmt: skip
NON_MERCHANDISE_PATTERN = "^gift_"  # Dotcomgiftshop gift vouchers
SOURCE_COLUMNS = (
    "InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country",
)  # fmt: skip


def sql_list(values: tuple[str, ...]) -> str:
    """A SQL list of string literals."""
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def convert(source: Path, out: Path) -> dict[str, int]:
    """Write events/users/items Parquet files of the contract into `out`; return row counts."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        described = con.execute("describe select * from read_parquet(?)", [str(source)]).fetchall()
        columns = {r[0] for r in described}
        missing = [c for c in SOURCE_COLUMNS if c not in columns]
        if missing:
            raise SystemExit(f"{source}: not the UCI Online Retail file, missing columns {missing}")
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"create view source as select * from read_parquet('{source}')")
        con.execute(
            f"""
            copy (
                select
                    'OR-' || md5(concat_ws('|', InvoiceNo, StockCode, coalesce(Description, ''),
                        Quantity, InvoiceDate, UnitPrice, coalesce(CustomerID::varchar, ''),
                        coalesce(Country, ''))) as event_id,
                    CustomerID::varchar as user_id,
                    case when InvoiceNo like 'C%' then 'refund' else 'purchase' end as event_type,
                    StockCode as item_id,
                    InvoiceNo as order_id,
                    cast(case when InvoiceNo like 'C%' then abs(Quantity) else Quantity end as integer)
                        as quantity,
                    cast(UnitPrice as decimal(18, 4)) as unit_price,
                    InvoiceDate as event_at,
                    'online_store' as channel
                from source
                order by InvoiceDate, InvoiceNo, StockCode, event_id
            ) to '{out / "events.parquet"}' (format parquet)
            """
        )
        con.execute(
            f"""
            copy (
                with countries as (
                    select CustomerID, Country, count(*) as lines
                    from source where CustomerID is not null group by all
                ),
                main_country as (
                    select CustomerID, arg_max(Country, (lines, Country)) as city from countries group by all
                )
                select
                    source.CustomerID::varchar as user_id,
                    min(source.InvoiceDate) as signed_up_at,
                    cast(null as varchar) as email,
                    cast(null as varchar) as phone,
                    any_value(main_country.city) as city,
                    cast(null as integer) as birth_year,
                    cast(null as varchar) as acquisition_channel
                from source
                inner join main_country on source.CustomerID = main_country.CustomerID
                group by source.CustomerID
                order by user_id
            ) to '{out / "users.parquet"}' (format parquet)
            """
        )
        con.execute(
            f"""
            copy (
                with names as (
                    select StockCode, Description, count(*) as lines
                    from source where nullif(trim(Description), '') is not null group by all
                ),
                best_name as (
                    select StockCode, arg_max(Description, (lines, Description)) as item_name
                    from names group by all
                ),
                prices as (
                    select StockCode, median(UnitPrice) as list_price
                    from source where UnitPrice > 0 and InvoiceNo not like 'C%' and Quantity > 0
                    group by all
                ),
                codes as (select distinct StockCode from source)
                select
                    codes.StockCode as item_id,
                    best_name.item_name,
                    cast(null as varchar) as category,
                    cast(null as varchar) as brand,
                    cast(prices.list_price as decimal(18, 4)) as list_price,
                    not (codes.StockCode in ({sql_list(NON_MERCHANDISE_CODES)})
                        or regexp_matches(codes.StockCode, '{NON_MERCHANDISE_PATTERN}')) as is_merchandise
                from codes
                left join best_name on codes.StockCode = best_name.StockCode
                left join prices on codes.StockCode = prices.StockCode
                order by item_id
            ) to '{out / "items.parquet"}' (format parquet)
            """
        )
        counts = {}
        for table in ("events", "users", "items"):
            path = out / f"{table}.parquet"
            counts[table] = con.execute(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]
        counts["source_lines"] = con.execute("select count(*) from source").fetchall()[0][0]
    finally:
        con.close()
    return counts


def main(argv: list[str] | None = None) -> None:
    """Convert and print the row counts."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--source", type=Path, default=Path("../shared/data/online_retail/online_retail.parquet"))
    p.add_argument("--out", type=Path, default=Path("data/online_retail"))
    args = p.parse_args(argv)
    if not args.source.exists():
        raise SystemExit(f"Online Retail file not found: {args.source}")
    counts = convert(args.source, args.out)
    if counts["events"] != counts["source_lines"]:
        raise SystemExit(f"conversion lost lines: {counts}")
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
