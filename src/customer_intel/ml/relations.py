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
