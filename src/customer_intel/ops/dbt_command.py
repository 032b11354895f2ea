"""The one place a dbt command line is built (make run's driver, the reports, the benchmark and
the tests all call this): the dbt of this interpreter's environment, this project and its
profile, a target directory, and vars as JSON (so any path or value is quoted safely)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from customer_intel.ops.settings import PROJECT_DIR

DBT = str(Path(sys.executable).with_name("dbt"))


def dbt_command(
    *args: str,
    dbt_vars: dict[str, object] | None = None,
    target_path: Path | str | None = None,
    log_path: Path | str | None = None,
) -> list[str]:
    """`dbt <args>` against this project and profile, with optional target/log paths and vars."""
    command = [DBT, *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    if target_path is not None:
        command += ["--target-path", str(target_path)]
    if log_path is not None:
        command += ["--log-path", str(log_path)]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    return command
