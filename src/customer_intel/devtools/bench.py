"""`make bench`: generate ~1M demo events and time the generator and a full `dbt build`.

Machines are shared and noisy, so every figure is a median over `--runs` repetitions measured in
this one invocation; nothing here is a pass/fail threshold. Peak memory is the maximum resident
set size of the process (generator or dbt, DuckDB included), read from `wait4`.

Usage: python -m customer_intel.devtools.bench [--users 13000] [--runs 3] [--out bench/results.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from customer_intel.devtools.bench_item_cf import METHODS, agreement, export_interactions
from customer_intel.ops.dbt_command import dbt_command
from customer_intel.ops.pii import DEMO_SECRET, SECRET_ENV_VAR

WORK = Path("bench/work")


@dataclass
class Measure:
    """Wall time (s) and peak RSS (MiB) of one child process."""

    seconds: float
    peak_mib: float
    returncode: int


@dataclass
class RunFigures:
    """All figures of one benchmark repetition."""

    generate: Measure
    build: Measure
    node_seconds: dict[str, float] = field(default_factory=dict)
    families: dict[str, Measure] = field(default_factory=dict)
    item_cf: dict[str, Measure] = field(default_factory=dict)
    item_cf_agreement: tuple[int, int, float] = (0, 0, 0.0)
    interaction_rows: int = 0


# Model families re-run on their own after the full build, so their time and peak memory are
# measured apart from the rest of the build: `dbt run --select tag:<family>` in a fresh process.
# `baseline` (one tiny seed) shows what any dbt process costs before a model runs.
FAMILIES = ("baseline", "segmentation", "churn", "recommendations")


def measure(command: list[str], env: dict[str, str]) -> Measure:
    """Run `command`, returning its wall time and peak resident memory."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measure(elapsed, usage.ru_maxrss / 1024.0, proc.returncode)


def node_timings(run_results: Path) -> dict[str, float]:
    """Execution seconds per model, seed and test of a dbt run_results.json."""
    results = json.loads(run_results.read_text())["results"]
    return {r["unique_id"]: float(r["execution_time"]) for r in results}


def one_run(users: int, seed: int, env: dict[str, str]) -> RunFigures:
    """Generate the data set and build it from scratch once."""
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    raw = WORK / "raw"
    gen = measure(
        [sys.executable, "-m", "customer_intel.devtools.demo_data", "--out", str(raw), "--users", str(users),
         "--seed", str(seed), "--items", "2000"],
        env,
    )  # fmt: skip
    if gen.returncode != 0:
        raise SystemExit("generator failed")
    build_env = {**env, "DBT_DUCKDB_PATH": str(WORK / "build.duckdb")}
    target = WORK / "target"
    bench_vars = {"raw_data_path": str(raw.resolve()), "load_time": "2026-11-01"}
    build = measure(dbt_command("build", dbt_vars=bench_vars, target_path=target.resolve()), build_env)
    if build.returncode != 0:
        raise SystemExit(f"dbt build failed; see {target}")
    figures = RunFigures(gen, build, node_timings(target / "run_results.json"))
    for family in FAMILIES:
        command = ["seed", "--select", "event_types"] if family == "baseline" else [
            "run", "--select", f"tag:{family}"]  # fmt: skip
        figures.families[family] = measure(
            dbt_command(*command, dbt_vars=bench_vars, target_path=(WORK / f"target-{family}").resolve()),
            build_env,
        )
        if figures.families[family].returncode != 0:
            raise SystemExit(f"dbt {' '.join(command)} failed")
    item_cf_step(figures, build_env)
    return figures


def item_cf_step(figures: RunFigures, env: dict[str, str]) -> None:
    """Time the neighbour computation of the package against a pure-SQL self-join, each in its
    own process on the same exported interactions, and check they agree."""
    interactions = WORK / "interactions.parquet"
    figures.interaction_rows = export_interactions(WORK / "build.duckdb", interactions)
    outputs = {}
    for method in METHODS:
        outputs[method] = WORK / f"neighbors_{method}.parquet"
        figures.item_cf[method] = measure(
            [sys.executable, "-m", "customer_intel.devtools.bench_item_cf", "--method", method,
             "--interactions", str(interactions), "--out", str(outputs[method])],
            env,
        )  # fmt: skip
        if figures.item_cf[method].returncode != 0:
            raise SystemExit(f"item-CF step {method} failed")
    figures.item_cf_agreement = agreement(outputs["python_sparse"], outputs["sql_self_join"])


def count_events(raw: Path) -> int:
    """Rows of the generated events file."""
    con = duckdb.connect()
    try:
        return con.execute(f"select count(*) from read_parquet('{raw / 'events.parquet'}')").fetchall()[0][0]
    finally:
        con.close()


def report(runs: list[RunFigures], events: int, users: int) -> str:
    """Markdown report of medians over runs."""

    def med(values: list[float]) -> float:
        return statistics.median(values)

    lines = [
        "# Benchmark",
        "",
        f"Measured by `make bench` ({len(runs)} runs, medians; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}).",
        f"Data: {events:,} raw events, {users:,} users, 2,000 items (demo generator).",
        "",
        "| step | median wall time (s) | range (s) | median peak memory (MiB) |",
        "|---|---:|---:|---:|",
    ]
    for label, pick in (("generate demo data", "generate"), ("dbt build (full)", "build")):
        seconds = [getattr(r, pick).seconds for r in runs]
        peaks = [getattr(r, pick).peak_mib for r in runs]
        lines.append(
            f"| {label} | {med(seconds):.2f} | {min(seconds):.2f} to {max(seconds):.2f} | {med(peaks):.0f} |"
        )
    lines += [
        "",
        "Model families, re-run alone after the build (`dbt run --select tag:<family>` in a fresh "
        "process; wall time and peak memory include dbt's own start-up, shown by `baseline`: "
        "`dbt seed` of one tiny seed):",
        "",
        "| family | median wall time (s) | range (s) | median peak memory (MiB) |",
        "|---|---:|---:|---:|",
    ]
    for family in FAMILIES:
        seconds = [r.families[family].seconds for r in runs]
        peaks = [r.families[family].peak_mib for r in runs]
        lines.append(
            f"| {family} | {med(seconds):.2f} | {min(seconds):.2f} to {max(seconds):.2f} | {med(peaks):.0f} |"
        )
    python_s = med([r.item_cf["python_sparse"].seconds for r in runs])
    sql_s = med([r.item_cf["sql_self_join"].seconds for r in runs])
    python_mib = med([r.item_cf["python_sparse"].peak_mib for r in runs])
    sql_mib = med([r.item_cf["sql_self_join"].peak_mib for r in runs])
    rows_a, rows_b, share = runs[-1].item_cf_agreement
    lines += [
        "",
        f"Item-CF neighbours (top 50, cosine, support 2, shrinkage 10) on {runs[-1].interaction_rows:,} "
        "positive user-item interactions, each method in its own process "
        "(`customer_intel.devtools.bench_item_cf`):",
        "",
        "| method | median wall time (s) | median peak memory (MiB) |",
        "|---|---:|---:|",
        f"| package: sparse blocked matrix products (`item_neighbors`) | {python_s:.2f} | {python_mib:.0f} |",
        f"| pure SQL: self-join on user, group by item pair | {sql_s:.2f} | {sql_mib:.0f} |",
        "",
        f"Ratio SQL / package (medians of this run): time {sql_s / python_s:.2f}x, peak memory "
        f"{sql_mib / python_mib:.2f}x. The two results agree on {share:.1%} of the package's "
        f"{rows_a:,} neighbour rows (SQL: {rows_b:,}; ties at equal similarity may order differently).",
    ]
    lines += [
        "",
        "Throughput (median): "
        f"{events / med([r.build.seconds for r in runs]) / 1e3:,.0f}k raw events per second of `dbt build`.",
        "",
        "## Per node (median execution seconds inside the build, models and seeds; tests summed)",
        "",
        "| node | median (s) | share of build |",
        "|---|---:|---:|",
    ]
    build_median = med([r.build.seconds for r in runs])
    nodes = sorted({n for r in runs for n in r.node_seconds if not n.startswith("test.")})
    rows = [(n, med([r.node_seconds.get(n, 0.0) for r in runs])) for n in nodes]
    tests = med([sum(v for k, v in r.node_seconds.items() if k.startswith("test.")) for r in runs])
    rows.append(("all data tests (sum)", tests))
    for name, seconds in sorted(rows, key=lambda x: (-x[1], x[0])):
        lines.append(f"| {name} | {seconds:.2f} | {seconds / build_median:.0%} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and write the report."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=9_000, help="9,000 users give about 1M events")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", type=Path, default=Path("bench/results.md"))
    args = p.parse_args(argv)
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    env.setdefault(SECRET_ENV_VAR, DEMO_SECRET)
    runs = []
    for i in range(args.runs):
        runs.append(one_run(args.users, args.seed, env))
        print(
            f"run {i + 1}/{args.runs}: generate {runs[-1].generate.seconds:.1f}s, "
            f"dbt build {runs[-1].build.seconds:.1f}s, peak {runs[-1].build.peak_mib:.0f} MiB"
        )
    text = report(runs, count_events(WORK / "raw"), args.users)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
