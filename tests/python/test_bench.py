"""The pure parts of `make bench`: scales, the results file's sections, dbt's start-up from its
log, the per-node summary (the benchmark itself is run by hand, never by the test suite)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from customer_intel.devtools.bench import (
    FAMILIES,
    SCALES,
    Measure,
    RunFigures,
    first_node_epoch,
    markers,
    node_rows,
    parse_scale,
    replace_section,
    report,
    startup_seconds,
)


def test_scales_parse_case_insensitively_and_unknown_ones_are_named() -> None:
    assert parse_scale("10m") is SCALES["10M"] and parse_scale(" 1M ") is SCALES["1M"]
    assert (SCALES["1M"].users, SCALES["1M"].items, SCALES["1M"].runs) == (9_000, 2_000, 3)
    assert (SCALES["10M"].users, SCALES["10M"].items, SCALES["10M"].runs) == (90_000, 5_000, 1)
    assert (SCALES["30M"].users, SCALES["30M"].items) == (270_000, 10_000)
    assert SCALES["1M"].item_cf and not SCALES["10M"].item_cf and SCALES["100k"].smoke
    with pytest.raises(ValueError, match="known: 100k, 1M, 10M, 30M"):
        parse_scale("5M")


def test_a_scale_rewrites_only_its_own_section() -> None:
    first = replace_section("", "10M", "ten, first")
    assert first.startswith("# Benchmark") and first.count(markers("10M")[0]) == 1
    both = replace_section(first, "30M", "thirty")
    # inserted in scale order: 1M before 10M, 10M before 30M
    ordered = replace_section(both, "1M", "one")
    assert ordered.index("one") < ordered.index("ten, first") < ordered.index("thirty")
    again = replace_section(ordered, "10M", "ten, second\nwith two lines")
    assert "ten, first" not in again and "ten, second\nwith two lines" in again
    assert again.replace("ten, second\nwith two lines", "ten, first") == ordered
    assert replace_section(again, "10M", "ten, second\nwith two lines") == again
    with pytest.raises(ValueError, match="without"):
        replace_section("x\n" + markers("1M")[0] + "\nno end\n", "1M", "one")


def test_legacy_text_without_markers_is_kept_before_the_sections() -> None:
    text = replace_section("# Benchmark\n\nold notes\n", "1M", "one")
    assert text.startswith("# Benchmark\n\nold notes\n\n" + markers("1M")[0])


def test_startup_is_read_from_dbt_log_colour_codes_and_midnight_included() -> None:
    log = (
        "\x1b[0m23:59:58.500000 [info ] [MainThread]: Running with dbt=1.11.16\n"
        "\x1b[0m23:59:59.000000 [debug] [MainThread]: parsing\n"
        "\x1b[0m00:00:01.250000 [info ] [MainThread]: 1 of 2 START hook: on-run-start.0 [RUN]\n"
        "\x1b[0m00:00:02.000000 [info ] [Thread-1 (]: 1 of 450 START sql view model staging.x [RUN]\n"
    )
    assert startup_seconds(log) == pytest.approx(2.75)
    # the last invocation in an appended log counts
    second = log + "00:10:00.000000 [info ] [MainThread]: Running with dbt=1.11.16\n"
    assert startup_seconds(
        second + "00:10:03.5 [info ] [Thread-1 (]: 3 of 9 START seed x\n"
    ) == pytest.approx(3.5)
    assert startup_seconds(second) is None and startup_seconds("nothing\n") is None


def test_node_summary_sums_tests_and_ranks_nodes(tmp_path: Path) -> None:
    nodes = {"model.p.a": 3.0, "model.p.b": 5.0, "test.p.t1": 1.0, "unit_test.p.m.u": 0.5, "seed.p.s": 0.1}
    runs = [RunFigures(Measure(1, 1, 0), Measure(10, 1, 0), node_seconds=nodes)]
    ranked, tests_sum, n_tests, tests = node_rows(runs)
    assert ranked == [("model.p.b", 5.0), ("model.p.a", 3.0), ("seed.p.s", 0.1)]
    assert (tests_sum, n_tests, tests[0]) == (1.5, 2, ("test.p.t1", 1.0))
    results = tmp_path / "run_results.json"
    timing = [{"name": "compile", "started_at": "2026-11-27T04:33:27.607425Z"}]
    results.write_text(json.dumps({"results": [{"unique_id": "x", "execution_time": 1, "timing": timing}]}))
    expected = datetime(2026, 11, 27, 4, 33, 27, 607425, tzinfo=UTC).timestamp()
    assert first_node_epoch(results) == pytest.approx(expected)


@pytest.mark.parametrize("scale_name", ["1M", "30M"])
def test_report_renders_every_part_against_the_scale_budget(scale_name: str) -> None:
    """A whole section from made-up figures: the steps, the families and the item-CF tables, and
    the budget of the scale (4 GB up to 10M, 8 GB at 30M)."""
    scale = SCALES[scale_name]
    m = Measure(10.0, 3000.0, 0)
    run = RunFigures(
        generate=m, build=Measure(40.0, 4000.0, 0), floor=Measure(2.0, 500.0, 0), startup_s=5.0,
        startup_from_launch_s=6.0, node_seconds={"model.customer_intel.a": 3.0, "test.customer_intel.t": 1.0},
        families={family: m for family in FAMILIES},
        item_cf={"python_sparse": m, "sql_self_join": Measure(20.0, 4000.0, 0)},
        item_cf_agreement=(10, 10, 1.0), interaction_rows=100,
    )  # fmt: skip
    text = report([run], scale, 1000, 42, ("2560MiB", "default"))
    assert "Build / floor: 20.0x the time" in text
    assert f"share of {scale.budget_gb} GB" in text
    verdict = "OVER" if scale.budget_gb == 4 else "within"
    assert f"4,000 MiB, {verdict} the {scale.budget_gb} GB budget" in text
    assert all(f"| {family} |" in text for family in FAMILIES)
    assert "SQL / package: time 2.00x" in text
