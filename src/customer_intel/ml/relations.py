"""Pulling only what a dbt Python model needs out of a DuckDB relation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def quote_identifier(name: str) -> str:
    """`name` as a double-quoted SQL identifier (embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def present_columns(relation: Any, columns: Iterable[str]) -> Any:
    """The DuckDB relation `relation` projected on those of `columns` it has, in the given order
    (duplicates once). A missing column is left out rather than failing in DuckDB, so the pure
    function that reads the frame reports it with its own clear message."""
    have = set(relation.columns)
    wanted = [c for c in dict.fromkeys(columns) if c in have]
    if not wanted:
        raise ValueError(f"none of the columns {list(columns)} is in the relation ({relation.columns})")
    return relation.project(", ".join(quote_identifier(c) for c in wanted))


def with_date_columns(session: Any, frame: Any, date_columns: Iterable[str]) -> Any:
    """`frame` as a DuckDB relation of `session` whose `date_columns` are DATE. pandas has no
    date type of its own: a datetime64 column would land as TIMESTAMP, and a column of
    `datetime.date` objects that is all NULL (no training rows) as DuckDB's NULL type, which
    nothing downstream can cast to. The columns must hold datetime64 values (NaT allowed)."""
    relation = session.from_df(frame)
    dates = list(dict.fromkeys(date_columns))
    if not dates:
        return relation
    replaced = ", ".join(f"cast({quote_identifier(c)} as date) as {quote_identifier(c)}" for c in dates)
    return relation.project(f"* replace ({replaced})")
