"""The CDNOW importer: a hand-written file converted row by row, the totals of the real sample
(when it is beside the clone, `../shared/data/cdnow/`, or at CDNOW_SOURCE) and the message on a
file that is not in the CDNOW format."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import CDNOW_SAMPLE as REAL_SOURCE
from customer_intel.devtools.cdnow import CdnowFormatError, convert

# Two customers; line 3 repeats line 2 exactly (a second identical purchase that day), line 4
# is blank, line 5 has no dollars (CRLF line ends as in the real file).
TINY = (
    " 00004 0001 19970101  2   29.33\r\n"
    " 00021 0002 19970101  3   10.00\r\n"
    " 00021 0002 19970101  3   10.00\r\n"
    "\r\n"
    " 00021 0002 19970315  1    0.00\r\n"
    " 00004 0001 19980630  1   14.96\r\n"
)


def read(path: Path, order_by: str) -> list[tuple]:
    """Every row of a Parquet file."""
    con = duckdb.connect()
    try:
        return con.execute(f"select * from read_parquet('{path}') order by {order_by}").fetchall()
    finally:
        con.close()


def test_tiny_file_is_converted_line_by_line(tmp_path: Path) -> None:
    source = tmp_path / "tiny.txt"
    source.write_text(TINY, newline="")
    counts = convert(source, tmp_path / "raw")
    assert counts == {
        "source_lines": 5, "events": 5, "users": 2, "items": 1,
        "zero_cd_lines": 0, "zero_dollar_lines": 1, "repeated_identical_lines": 1,
    }  # fmt: skip
    day = datetime.fromisoformat
    # ids are the line numbers (line 4 is blank); identical lines stay two purchases; 10.00 / 3
    # is 3.3333 at the contract's 4 decimals; the $0 line is kept for the quarantine.
    # Columns: event_id, user_id, event_type, item_id, order_id, quantity, unit_price, event_at, channel
    line = ("purchase", "cd")
    assert read(tmp_path / "raw" / "events.parquet", "event_id") == [
        ("CDNOW-1", "00004", *line, "CDNOW-1", 2, Decimal("14.6650"), day("1997-01-01"), "online_store"),
        ("CDNOW-2", "00021", *line, "CDNOW-2", 3, Decimal("3.3333"), day("1997-01-01"), "online_store"),
        ("CDNOW-3", "00021", *line, "CDNOW-3", 3, Decimal("3.3333"), day("1997-01-01"), "online_store"),
        ("CDNOW-5", "00021", *line, "CDNOW-5", 1, Decimal("0.0000"), day("1997-03-15"), "online_store"),
        ("CDNOW-6", "00004", *line, "CDNOW-6", 1, Decimal("14.9600"), day("1998-06-30"), "online_store"),
    ]
    assert read(tmp_path / "raw" / "users.parquet", "user_id") == [
        ("00004", day("1997-01-01"), None, None, None, None, None),
        ("00021", day("1997-01-01"), None, None, None, None, None),
    ]
    # median unit price of the lines with CDs and dollars: 3.3333, 3.3333, 14.665, 14.96
    assert read(tmp_path / "raw" / "items.parquet", "item_id") == [
        ("cd", "CD (CDNOW records no product)", "music", None, Decimal("8.9992"), True)
    ]


def test_zero_cds_keep_the_line_without_a_unit_price(tmp_path: Path) -> None:
    source = tmp_path / "zero.txt"
    source.write_text(" 00004 0001 19970101  0   29.33\n")
    counts = convert(source, tmp_path / "raw")
    assert (counts["events"], counts["zero_cd_lines"]) == (1, 1)
    assert read(tmp_path / "raw" / "events.parquet", "event_id")[0][5:7] == (0, None)


def test_real_sample_totals(tmp_path: Path) -> None:
    if not REAL_SOURCE.is_file():
        pytest.skip(f"CDNOW sample not found at {REAL_SOURCE} (set CDNOW_SOURCE to its path)")
    counts = convert(REAL_SOURCE, tmp_path / "raw")
    assert counts == {
        "source_lines": 6919, "events": 6919, "users": 2357, "items": 1,
        "zero_cd_lines": 0, "zero_dollar_lines": 8, "repeated_identical_lines": 21,
    }  # fmt: skip
    con = duckdb.connect()
    try:
        events = f"read_parquet('{tmp_path / 'raw' / 'events.parquet'}')"
        span = con.execute(
            f"select min(event_at)::date, max(event_at)::date, count(distinct event_id) from {events}"
        ).fetchall()
        # dollars per CD are rounded to 4 decimals: the total moves by less than a cent
        revenue = con.execute(f"select sum(quantity * unit_price) from {events}").fetchall()[0][0]
    finally:
        con.close()
    assert [(str(first), str(last), ids) for first, last, ids in span] == [("1997-01-01", "1998-06-30", 6919)]
    assert abs(revenue - Decimal("244091.94")) < Decimal("0.01"), revenue


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"InvoiceNo,StockCode\n536365,85123A\n", r"line 1 is not the CDNOW format \(5 whitespace-separated"),
        (b" 00004 0001 19970101  2   29.33\n 00004 0001 1997-01-18 2 29.73\n", "line 2 is not"),
        (b" 00004 0001 19970101  2   29.33 extra\n", "line 1 is not the CDNOW format"),
        (b" 00004 0001 19970230  2   29.33\n", "line 1: 19970230 is not a date YYYYMMDD"),
        (b"PAR1\x15\x04\x15\xe0\xfb\n", "line 1 is not the CDNOW format"),
        (b"\n \n", "no purchase lines"),
    ],
)
def test_a_file_in_another_format_stops_with_a_message(tmp_path: Path, content: bytes, message: str) -> None:
    source = tmp_path / "bad.txt"
    source.write_bytes(content)
    with pytest.raises(CdnowFormatError, match=message):
        convert(source, tmp_path / "raw")
    assert not (tmp_path / "raw").exists()  # nothing written


def test_the_command_reports_a_bad_file_without_a_stack_trace(tmp_path: Path) -> None:
    source = tmp_path / "bad.txt"
    source.write_text("master_customer_id sample_customer_id date cds dollars\n")
    args = ["--source", str(source), "--out", str(tmp_path / "out")]
    done = subprocess.run(
        [sys.executable, "-m", "customer_intel.devtools.cdnow", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: {source}: line 1 is not the CDNOW format"), done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()
