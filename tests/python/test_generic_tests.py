"""Each generic test of tests/generic/ passes on good fixture data and fires on bad data."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, PROJECT_DIR, DbtRunner

pytestmark = pytest.mark.dbt

GENERIC_TESTS = sorted(p.stem for p in (PROJECT_DIR / "tests" / "generic").glob("*.sql"))


def test_fixture_tests_end_as_their_names_say(dbt_runner: DbtRunner) -> None:
    result = dbt_runner.run(
        "build",
        "--select",
        "tag:generic_test_fixture",
        # the on-run-start hook registers raw files on every invocation: any contract directory
        dbt_vars={"as_of_date": "2026-06-30", "raw_data_path": str(FIXTURES / "dirty")},
    )
    tests = {
        uid.split(".")[2]: status for uid, status in result.statuses().items() if uid.startswith("test.")
    }
    assert tests, result.output[-3000:]
    wrong = {
        name: status
        for name, status in tests.items()
        if status != ("fail" if name.endswith("__expect_fail") else "pass")
    }
    assert not wrong, wrong
    # every generic test of ours has at least one fixture proving it fires
    firing = {name.split("__")[0] for name in tests if name.endswith("__expect_fail")}
    assert set(GENERIC_TESTS) <= firing, set(GENERIC_TESTS) - firing
    # and the failing fixtures make the invocation fail, as CI would
    assert result.returncode != 0


def test_generic_tests_directory_is_not_empty() -> None:
    assert len(GENERIC_TESTS) == 6, GENERIC_TESTS
    assert all(Path(PROJECT_DIR / "tests" / "generic" / f"{t}.sql").exists() for t in GENERIC_TESTS)
