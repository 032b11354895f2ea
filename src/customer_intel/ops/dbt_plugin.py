"""dbt-duckdb plugin: DuckDB's resource limits at connect time, and the `user_key(varchar)` SQL
function on every connection.

The secret is read from the environment inside this process, so it never appears in compiled
SQL, dbt logs, `target/` or any table. A missing secret stops the connection (and so the build)
with a clear message instead of producing NULL keys.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection
from duckdb.sqltypes import VARCHAR

from customer_intel.ops.pii import make_user_key_function, read_secret

MEMORY_LIMIT_ENV = "CUSTOMER_INTEL_DUCKDB_MEMORY_LIMIT"
THREADS_ENV = "CUSTOMER_INTEL_DUCKDB_THREADS"
TEMP_DIRECTORY_ENV = "CUSTOMER_INTEL_DUCKDB_TEMP_DIRECTORY"
# Default memory limit: a quarter of the machine's RAM, at most 2.5 GiB, so that a 10M-event build
# (DuckDB plus the Python models' frames and dbt itself) stays within 4 GB; DuckDB spills the rest.
DEFAULT_MEMORY_SHARE = 0.25
DEFAULT_MEMORY_CAP_MIB = 2560


def machine_ram_mib() -> int:
    """Physical memory of this machine in MiB."""
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20)


def duckdb_resources(env: Mapping[str, str], db_path: str, ram_mib: int) -> dict[str, str]:
    """DuckDB's memory_limit, threads and temp_directory for a connection to `db_path`.

    Each comes from its environment variable when set (memory: a size such as "3GB" or a share
    such as "50%"; threads: a whole number); otherwise memory is DEFAULT_MEMORY_SHARE of the RAM
    capped at DEFAULT_MEMORY_CAP_MIB, threads are left to DuckDB (one per core) and spill files go
    next to the database file. They are connect-time options: DuckDB refuses to move its spill
    directory once it has spilled, so they must not be re-set on every cursor (dbt-duckdb's
    `settings` are)."""
    default_mib = min(int(ram_mib * DEFAULT_MEMORY_SHARE), DEFAULT_MEMORY_CAP_MIB)
    resources = {
        "memory_limit": env.get(MEMORY_LIMIT_ENV) or f"{default_mib}MiB",
        "temp_directory": env.get(TEMP_DIRECTORY_ENV) or f"{db_path}.tmp",
    }
    threads = env.get(THREADS_ENV)
    if threads:
        if not threads.isdigit() or int(threads) < 1:
            raise ValueError(f"{THREADS_ENV} must be a whole number >= 1, got {threads!r}")
        resources["threads"] = threads
    return resources


class Plugin(BasePlugin):
    """Sets DuckDB's resource limits; registers `user_key` (HMAC-SHA256 pseudonymisation) as a
    DuckDB scalar function."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        """Read the secret once, failing early when it is missing; import the model packages
        once here, in one thread, before dbt runs Python models side by side: two threads
        importing scikit-learn for the first time at once can fail with "partially initialized
        module 'sklearn.base'" (seen when segment_k_selection and churn_model start together)."""
        self._user_key = make_user_key_function(read_secret())
        importlib.import_module("customer_intel.ml.segmentation")
        importlib.import_module("customer_intel.ml.churn")
        importlib.import_module("customer_intel.ml.recommend")

    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        """Connect-time DuckDB options: memory limit, threads and spill directory
        (see duckdb_resources); an in-memory database (the lint target) keeps DuckDB's own."""
        if creds.path != ":memory:":
            config.update(duckdb_resources(os.environ, creds.path, machine_ram_mib()))

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
