"""Reading snapshot-keyed feature models from a dbt Python model (the Python twin of the macro
`rows_at_snapshot`): the rows at the date of one role of int_feature_snapshots, selected in the
warehouse, so a Python model pulls only that snapshot."""

from __future__ import annotations

from typing import Any

from customer_intel.ml.relations import semi_join, where


def rows_at_snapshot(
    relation: Any, snapshots: Any, snapshot_role: str, date_column: str = "snapshot_date"
) -> Any:
    """The rows of the relation `relation` (DuckDB or Spark, keyed by `date_column`) whose date
    is the snapshot date of `snapshot_role` in `snapshots` (int_feature_snapshots), as a relation
    with the columns of `relation`; empty when the role has no snapshot (no analysis date)."""
    if not snapshot_role.isidentifier():
        raise ValueError(f"snapshot role must be an identifier, got {snapshot_role!r}")
    if not date_column.isidentifier():
        raise ValueError(f"date column must be an identifier, got {date_column!r}")
    role_dates = where(snapshots, f"snapshot_role = '{snapshot_role}'")
    return semi_join(relation, role_dates, date_column, "snapshot_date")
