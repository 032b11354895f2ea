"""dbt-duckdb plugin registering the `user_key(varchar)` SQL function on every connection.

The secret is read from the environment inside this process, so it never appears in compiled
SQL, dbt logs, `target/` or any table. A missing secret stops the connection (and so the build)
with a clear message instead of producing NULL keys.
"""

from __future__ import annotations

import importlib
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection
from duckdb.sqltypes import VARCHAR

from customer_intel.ops.pii import make_user_key_function, read_secret


class Plugin(BasePlugin):
    """Registers `user_key` (HMAC-SHA256 pseudonymisation) as a DuckDB scalar function."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        """Read the secret once, failing early when it is missing; import the model packages
        once here, in one thread, before dbt runs Python models side by side: two threads
        importing scikit-learn for the first time at once can fail with "partially initialized
        module 'sklearn.base'" (seen when segment_k_selection and churn_model start together)."""
        self._user_key = make_user_key_function(read_secret())
        importlib.import_module("customer_intel.ml.segmentation")
        importlib.import_module("customer_intel.ml.churn")
        importlib.import_module("customer_intel.ml.recommend")

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        """Register `user_key(varchar) -> varchar` (NULL in, NULL out; deterministic)."""
        conn.create_function(
            "user_key",
            self._user_key,
            [VARCHAR],
            VARCHAR,
            null_handling="special",
            side_effects=False,
        )
