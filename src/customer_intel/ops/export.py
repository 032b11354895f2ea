"""Activation export: `make export AUDIENCE=name` writes one audience as a CSV for a CRM upload.

    python -m customer_intel.ops.export --audience NAME [--build-db warehouse/build.duckdb]
                                        [--out-dir exports]

This is the only path by which raw user ids leave the build file: the audience's members
(`marts.audience_members`) are re-identified through the restricted key map
(`restricted.stg_shop__user_key_map`, never published) and written with their top recommended
items. Every export is logged (one JSON line per export in `<out-dir>/export_log.jsonl`: time,
audience, rows, file, SHA-256 of the file, build file). The build file is opened read-only; run
it after a build, not during one.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb

EXPORT_COLUMNS = (
    "user_id", "audience_name", "is_primary", "expected_12m_revenue", "recommended_item_ids",
    "recommended_item_names", "as_of_date",
)  # fmt: skip


class ExportError(RuntimeError):
    """The export cannot be made (no build file, unknown audience)."""


def audience_rows(build_db: Path, audience: str) -> list[tuple]:
    """The members of `audience` with raw ids and top recommendations, ordered by user_id."""
    if not build_db.exists():
        raise ExportError(f"build file {build_db} not found: run `make run` first")
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        known = [r[0] for r in con.execute("select audience_name from marts.audiences order by 1").fetchall()]
        if audience not in known:
            raise ExportError(f"unknown audience {audience!r}; defined: {', '.join(known) or '(none)'}")
        return con.execute(
            """
            select
                key_map.user_id,
                members.audience_name,
                members.is_primary,
                members.expected_12m_revenue,
                array_to_string(c360.recommended_item_ids, ';') as recommended_item_ids,
                c360.recommended_item_names,
                members.as_of_date
            from marts.audience_members as members
            inner join restricted.stg_shop__user_key_map as key_map on members.user_key = key_map.user_key
            inner join marts.customer_360 as c360 on members.user_key = c360.user_key
            where members.audience_name = ?
            order by key_map.user_id
            """,
            [audience],
        ).fetchall()
    finally:
        con.close()


def export_audience(build_db: Path, audience: str, out_dir: Path) -> Path:
    """Write the audience CSV and append the log line; return the CSV path."""
    rows = audience_rows(build_db, audience)
    out_dir.mkdir(parents=True, exist_ok=True)
    as_of = rows[0][-1].isoformat() if rows else "empty"
    target = out_dir / f"{audience}_{as_of}.csv"
    with target.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(rows)
    entry = {
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "audience": audience,
        "rows": len(rows),
        "file": str(target),
        "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        "build_db": str(build_db),
    }
    with (out_dir / "export_log.jsonl").open("a") as log:
        log.write(json.dumps(entry) + "\n")
    return target


def main(argv: list[str] | None = None) -> None:
    """Export one audience, or fail with a clear message."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--audience", default=os.environ.get("AUDIENCE") or None)
    p.add_argument("--build-db", type=Path, default=Path("warehouse/build.duckdb"))
    p.add_argument("--out-dir", type=Path, default=Path("exports"))
    args = p.parse_args(argv)
    if not args.audience:
        print("usage: make export AUDIENCE=name (see table audiences)", file=sys.stderr)
        raise SystemExit(2)
    try:
        target = export_audience(args.build_db, args.audience, args.out_dir)
    except (ExportError, duckdb.Error) as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"exported {args.audience} -> {target} (logged in {args.out_dir / 'export_log.jsonl'})")


if __name__ == "__main__":
    main()
