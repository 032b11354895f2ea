"""`make bench [SCALE=1M|10M|30M|100k]`: generate demo events at a scale, build them with the
project's run command and with the DuckDB floor, and report time and memory.

One invocation measures, per repetition (`--runs`; figures are medians over them): the demo
generator, the full build exactly as `make run` does it (`python -m customer_intel.ops.cli run`:
`dbt build` and the publish, with `--max-reject-share 0.3`), and the DuckDB floor
(`customer_intel.devtools.bench_floor`: the core SQL with no dbt) on the same raw files, each in
its own child process. Peak memory is the child's maximum resident set size read from `wait4`
(the run command's includes its dbt child). Machines are shared and noisy: nothing here is a
pass/fail threshold.

The report gives the build / floor ratio, dbt's start-up (from its log: "Running with dbt" to
the first node starting; a fresh target directory, so a full parse), the 15 slowest nodes of the
build (tests summed as one line, and the slowest tests), the DuckDB memory limit in force and the
peak against the 4 GB budget. At 1M and 10M it also re-runs each model family alone (time and
peak memory of, e.g., the recommendation family: item-CF and the factorization at that scale);
at 1M and below it times the item-CF step against a pure-SQL self-join (`bench_item_cf`). Above,
those are skipped by default (`--families`/`--item-cf` turn them on): they add several minutes
and the SQL self-join grows with the co-occurring pairs.

Each scale has its own section in `bench/results.md` (between `<!-- bench:<scale>:start -->` and
`<!-- bench:<scale>:end -->`): a run rewrites only its scale's section. The smoke scale (100k)
writes to `bench/work/results-smoke.md` unless `--out` says otherwise.

Usage: python -m customer_intel.devtools.bench [--scale 1M] [--runs N] [--out bench/results.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from customer_intel.devtools.bench_item_cf import METHODS, agreement, export_interactions
from customer_intel.ops.dbt_command import dbt_command
from customer_intel.ops.dbt_plugin import MEMORY_LIMIT_ENV, THREADS_ENV, duckdb_resources, machine_ram_mib
from customer_intel.ops.pii import DEMO_SECRET, SECRET_ENV_VAR

WORK_ROOT = Path("bench/work")
RESULTS = Path("bench/results.md")
SMOKE_RESULTS = WORK_ROOT / "results-smoke.md"


# The memory budgets (decimal GB of resident memory): a build of up to 10M events within 4 GB,
# 30M events within 8 GB.
def budget_mib(budget_gb: int) -> float:
    """`budget_gb` decimal gigabytes in MiB."""
    return budget_gb * 1e9 / 2**20


TOP_NODES = 15
TOP_TESTS = 5
MAX_REJECT_SHARE = "0.3"
RESULTS_HEADER = """# Benchmark

Written by `make bench SCALE=<scale>` (`python -m customer_intel.devtools.bench`); each scale has
its own section, rewritten only by a run of that scale. Figures are informative, never a
pass/fail test: the machine is shared and noisy.
"""


@dataclass(frozen=True)
class Scale:
    """A benchmark size: the demo generator's parameters and what the run includes."""

    name: str
    users: int
    items: int
    days: int = 365
    runs: int = 1
    families: bool = False
    item_cf: bool = False
    smoke: bool = False
    budget_gb: int = 4


# users/items chosen so that the generator gives about the named number of raw events
# (1M: 1,039,035 events; 10M: 10,381,020).
SCALES = {
    "100k": Scale("100k", users=900, items=500, runs=1, families=False, item_cf=True, smoke=True),
    "1M": Scale("1M", users=9_000, items=2_000, runs=3, families=True, item_cf=True),
    "10M": Scale("10M", users=90_000, items=5_000, families=True),
    "30M": Scale("30M", users=270_000, items=10_000, budget_gb=8),
}


def parse_scale(value: str) -> Scale:
    """The Scale named `value` (case-insensitive: `10m` is `10M`); ValueError naming the known
    scales otherwise."""
    wanted = value.strip().lower()
    for name, scale in SCALES.items():
        if name.lower() == wanted:
            return scale
    raise ValueError(f"unknown scale {value!r}; known: {', '.join(SCALES)}")


@dataclass
class Measure:
    """Wall time (s), peak RSS (MiB), exit code and start time (epoch s) of one child process."""

    seconds: float
    peak_mib: float
    returncode: int
    started_at: float = 0.0


@dataclass
class RunFigures:
    """All figures of one benchmark repetition."""

    generate: Measure
    build: Measure
    floor: Measure | None = None
    startup_s: float | None = None
    startup_from_launch_s: float | None = None
    node_seconds: dict[str, float] = field(default_factory=dict)
    families: dict[str, Measure] = field(default_factory=dict)
    # per family re-run: the summed execution seconds of its nodes (run_results.json)
    family_node_seconds: dict[str, float] = field(default_factory=dict)
    item_cf: dict[str, Measure] = field(default_factory=dict)
    item_cf_agreement: tuple[int, int, float] = (0, 0, 0.0)
    interaction_rows: int = 0


# Model families re-run on their own after the full build, so their time and peak memory are
# measured apart from the rest of the build: `dbt run --select tag:<family>` in a fresh process.
# `baseline` (one tiny seed) shows what any dbt process costs before a model runs.
FAMILIES = ("baseline", "segmentation", "churn", "clv", "recommendations")


def measure(command: list[str], env: dict[str, str], log: Path | None = None) -> Measure:
    """Run `command` (its output to `log`, or discarded), returning its wall time and peak
    resident memory (the child's and its waited-for descendants', from wait4)."""
    started_at = time.time()
    started = time.perf_counter()
    with open(log or os.devnull, "w") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measure(elapsed, usage.ru_maxrss / 1024.0, proc.returncode, started_at)


def node_timings(run_results: Path) -> dict[str, float]:
    """Execution seconds per node (models, seeds, tests, hooks) of a dbt run_results.json."""
    results = json.loads(run_results.read_text())["results"]
    return {r["unique_id"]: float(r["execution_time"]) for r in results}


LOG_TIME = re.compile(r"^(?:\x1b\[[0-9;]*m)*(\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)")
NODE_START = re.compile(r"\d+ of \d+ START ")


def log_seconds(line: str) -> float | None:
    """Seconds since midnight of a dbt log line's time stamp (colour codes skipped), or None."""
    match = LOG_TIME.match(line)
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def startup_seconds(log_text: str) -> float | None:
    """dbt's start-up in a dbt.log: seconds from the last "Running with dbt" line to the first
    node (or hook) that starts after it; None when either is missing. A run past midnight
    wraps once."""
    lines = log_text.splitlines()
    begins = [i for i, line in enumerate(lines) if "Running with dbt=" in line]
    if not begins:
        return None
    begin = log_seconds(lines[begins[-1]])
    for line in lines[begins[-1] + 1 :]:
        if NODE_START.search(line):
            first = log_seconds(line)
            if begin is None or first is None:
                return None
            return first - begin if first >= begin else first + 86_400 - begin
    return None


def first_node_epoch(run_results: Path) -> float | None:
    """Epoch seconds at which the first node of a run_results.json started (None without any)."""
    starts = [
        timing["started_at"]
        for result in json.loads(run_results.read_text())["results"]
        for timing in result.get("timing", [])
        if timing.get("started_at")
    ]
    if not starts:
        return None
    first = min(datetime.fromisoformat(s.replace("Z", "+00:00")) for s in starts)
    return first.replace(tzinfo=first.tzinfo or UTC).timestamp()


def duckdb_memory_limit(env: dict[str, str]) -> tuple[str, str]:
    """The memory limit dbt's DuckDB connections get (as the project's plugin computes it) and
    where it comes from."""
    limit = duckdb_resources(env, "bench.duckdb", machine_ram_mib())["memory_limit"]
    origin = (
        f"{MEMORY_LIMIT_ENV} set by the user"
        if env.get(MEMORY_LIMIT_ENV)
        else "the plugin's default: a quarter of RAM, at most 2.5 GiB"
    )
    return limit, origin


def one_run(scale: Scale, seed: int, env: dict[str, str], work: Path) -> RunFigures:
    """Generate the data set, build it from scratch with the run command and with the floor."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    raw = (work / "raw").resolve()
    gen = measure(
        [sys.executable, "-m", "customer_intel.devtools.demo_data", "--out", str(raw),
         "--users", str(scale.users), "--items", str(scale.items), "--days", str(scale.days),
         "--seed", str(seed)],
        env, work / "generate.log",
    )  # fmt: skip
    if gen.returncode != 0:
        raise SystemExit(f"generator failed; see {work / 'generate.log'}")
    target, logs = (work / "target").resolve(), (work / "logs").resolve()
    build_env = {**env, "DBT_LOG_PATH": str(logs)}
    build = measure(
        [sys.executable, "-m", "customer_intel.ops.cli", "run", "--raw-data-path", str(raw),
         "--build-db", str(work / "build.duckdb"), "--published-db", str(work / "published.duckdb"),
         "--target-path", str(target), "--max-reject-share", MAX_REJECT_SHARE],
        build_env, work / "build.log",
    )  # fmt: skip
    if build.returncode != 0:
        raise SystemExit(f"build failed; see {work / 'build.log'} and {target}")
    figures = RunFigures(gen, build, node_seconds=node_timings(target / "run_results.json"))
    dbt_log = logs / "dbt.log"
    figures.startup_s = startup_seconds(dbt_log.read_text(errors="replace")) if dbt_log.exists() else None
    first = first_node_epoch(target / "run_results.json")
    figures.startup_from_launch_s = None if first is None else first - build.started_at
    figures.floor = floor_step(raw, work, env)
    if scale.families:
        families_step(figures, raw, work, env)
    if scale.item_cf:
        item_cf_step(figures, work, env)
    return figures


def floor_step(raw: Path, work: Path, env: dict[str, str]) -> Measure:
    """The DuckDB floor on the same raw files, with the memory limit and threads dbt's DuckDB
    gets."""
    limit, _ = duckdb_memory_limit(env)
    threads = env.get(THREADS_ENV) or str(os.cpu_count() or 1)
    floor = measure(
        [sys.executable, "-m", "customer_intel.devtools.bench_floor", "--raw", str(raw),
         "--db", str(work / "floor.duckdb"), "--memory-limit", limit, "--threads", threads],
        env, work / "floor.log",
    )  # fmt: skip
    if floor.returncode != 0:
        raise SystemExit(f"floor failed; see {work / 'floor.log'}")
    return floor


def families_step(figures: RunFigures, raw: Path, work: Path, env: dict[str, str]) -> None:
    """Each model family re-run alone on the finished build, in a fresh dbt process."""
    family_env = {**env, "DBT_DUCKDB_PATH": str(work / "build.duckdb"), "DBT_LOG_PATH": str(work / "logs")}
    bench_vars = {"raw_data_path": str(raw), "max_reject_share": float(MAX_REJECT_SHARE)}
    for family in FAMILIES:
        command = ["seed", "--select", "event_types"] if family == "baseline" else [
            "run", "--select", f"tag:{family}"]  # fmt: skip
        target = (work / f"target-{family}").resolve()
        command_line = dbt_command(*command, dbt_vars=bench_vars, target_path=target)
        figures.families[family] = measure(command_line, family_env)
        if figures.families[family].returncode != 0:
            raise SystemExit(f"dbt {' '.join(command)} failed")
        figures.family_node_seconds[family] = sum(node_timings(target / "run_results.json").values())


def item_cf_step(figures: RunFigures, work: Path, env: dict[str, str]) -> None:
    """Time the neighbour computation of the package against a pure-SQL self-join, each in its
    own process on the same exported interactions, and check they agree."""
    interactions = work / "interactions.parquet"
    figures.interaction_rows = export_interactions(work / "build.duckdb", interactions)
    outputs = {}
    for method in METHODS:
        outputs[method] = work / f"neighbors_{method}.parquet"
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
        path = (raw / "events.parquet").as_posix().replace("'", "''")
        return con.execute(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]
    finally:
        con.close()


def med(values: list[float]) -> float:
    """Median."""
    return statistics.median(values)


def is_test(unique_id: str) -> bool:
    """Data tests and unit tests of run_results."""
    return unique_id.startswith(("test.", "unit_test."))


def node_rows(runs: list[RunFigures]) -> tuple[list[tuple[str, float]], float, int, list[tuple[str, float]]]:
    """(median seconds per non-test node, slowest first; median sum of tests; number of tests;
    median seconds per test, slowest first)."""
    names = {n for r in runs for n in r.node_seconds}
    nodes = [(n, med([r.node_seconds.get(n, 0.0) for r in runs])) for n in names if not is_test(n)]
    tests = [(n, med([r.node_seconds.get(n, 0.0) for r in runs])) for n in names if is_test(n)]
    tests_sum = med([sum(v for k, v in r.node_seconds.items() if is_test(k)) for r in runs])

    def slowest(rows: list[tuple[str, float]]) -> list[tuple[str, float]]:
        return sorted(rows, key=lambda x: (-x[1], x[0]))

    return slowest(nodes), tests_sum, len(tests), slowest(tests)


def short_name(unique_id: str) -> str:
    """A node's unique id without its resource type and project (`test.customer_intel.x` -> `x`)."""
    return unique_id.split(".", 2)[-1]


def step_row(label: str, measures: list[Measure], budget: float) -> str:
    """A table row: median, range, median peak and the peak against the budget (MiB)."""
    seconds = [m.seconds for m in measures]
    peaks = [m.peak_mib for m in measures]
    share = max(peaks) / budget
    return (
        f"| {label} | {med(seconds):.1f} | {min(seconds):.1f} to {max(seconds):.1f} | "
        f"{med(peaks):,.0f} | {max(peaks):,.0f} ({share:.0%}) |"
    )


def fmt_seconds(values: list[float | None]) -> str:
    """Median of the known values, or `n/a`."""
    known = [v for v in values if v is not None]
    return f"{med(known):.1f} s" if known else "n/a"


def report(
    runs: list[RunFigures], scale: Scale, events: int, seed: int, memory_limit: tuple[str, str]
) -> str:
    """The markdown section of one scale (medians over runs)."""
    build_s = med([r.build.seconds for r in runs])
    floor_s = med([r.floor.seconds for r in runs if r.floor])
    build_mib = med([r.build.peak_mib for r in runs])
    floor_mib = med([r.floor.peak_mib for r in runs if r.floor])
    peak = max(r.build.peak_mib for r in runs)
    budget = budget_mib(scale.budget_gb)
    lines = [
        f"## {scale.name} events",
        "",
        f"`make bench SCALE={scale.name}` on {datetime.now(UTC):%Y-%m-%d}: {len(runs)} run(s), "
        f"medians; machine {platform.machine()}, {os.cpu_count()} cores, {machine_ram_mib():,} MiB RAM, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}.",
        f"Data: {events:,} raw events from the demo generator (`--users {scale.users} --items {scale.items} "
        f"--days {scale.days} --seed {seed}`).",
        f"DuckDB memory limit: {memory_limit[0]} ({memory_limit[1]}); threads: "
        f"{os.environ.get(THREADS_ENV) or 'one per core'}.",
        "",
        "| step | median wall time (s) | range (s) | median peak RSS (MiB) "
        f"| max peak RSS (MiB, share of {scale.budget_gb} GB = {budget:,.0f} MiB) |",
        "|---|---:|---:|---:|---:|",
        step_row("generate demo data", [r.generate for r in runs], budget),
        step_row(
            "full build: `python -m customer_intel.ops.cli run` "
            f"(dbt build + publish, `--max-reject-share {MAX_REJECT_SHARE}`)",
            [r.build for r in runs],
            budget,
        ),
        step_row(
            "DuckDB floor: `bench_floor` (core SQL, no dbt)", [r.floor for r in runs if r.floor], budget
        ),
        "",
        f"- Build / floor: {build_s / floor_s:.1f}x the time, {build_mib / floor_mib:.1f}x the peak memory.",
        f"- Peak RSS of the build: {peak:,.0f} MiB, {'within' if peak <= budget else 'OVER'} the "
        f"{scale.budget_gb} GB budget of this scale ({budget:,.0f} MiB).",
        f'- dbt start-up: {fmt_seconds([r.startup_s for r in runs])} from "Running with dbt" to the first '
        f"node starting (dbt's log; a fresh target directory, so a full parse); "
        f"{fmt_seconds([r.startup_from_launch_s for r in runs])} from launching the run command.",
        f"- Throughput: {events / build_s / 1e3:,.0f}k raw events per second of the build.",
    ]
    nodes, tests_sum, n_tests, tests = node_rows(runs)
    top = sorted(
        [*nodes[:TOP_NODES], (f"all data and unit tests (sum of {n_tests})", tests_sum)], key=lambda x: -x[1]
    )
    lines += [
        "",
        f"Top {TOP_NODES} nodes of the build (median execution seconds from `run_results.json`; "
        "tests summed):",
        "",
        "| node | median (s) | share of build |",
        "|---|---:|---:|",
        *[f"| {name} | {seconds:.2f} | {seconds / build_s:.0%} |" for name, seconds in top],
        "",
        "Slowest tests: " + ", ".join(f"`{short_name(n)}` {s:.2f} s" for n, s in tests[:TOP_TESTS]) + ".",
    ]
    if all(r.families for r in runs):
        lines += [
            "",
            "Model families re-run alone after the build (`dbt run --select tag:<family>` in a fresh "
            "process; wall time and peak memory include dbt's own start-up, shown by `baseline`: "
            "`dbt seed` of one tiny seed):",
            "",
            "| family | median wall time (s) | range (s) | median peak RSS (MiB) "
            f"| max peak RSS (MiB, share of {scale.budget_gb} GB) | median node execution (s) |",
            "|---|---:|---:|---:|---:|---:|",
            *[
                step_row(family, [r.families[family] for r in runs], budget)
                + f" {fmt_seconds([r.family_node_seconds.get(family) for r in runs])} |"
                for family in FAMILIES
            ],
            "",
            "Node execution: the family's models summed from that run's `run_results.json` (what the "
            "models cost without dbt's start-up; `clv`: the customer base, both BG/NBD + Gamma-Gamma "
            "fits and all SQL scoring).",
        ]
    if all(r.item_cf for r in runs):
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
            "| method | median wall time (s) | median peak RSS (MiB) |",
            "|---|---:|---:|",
            "| package: sparse blocked matrix products (`item_neighbors`) "
            f"| {python_s:.2f} | {python_mib:.0f} |",
            f"| pure SQL: self-join on user, group by item pair | {sql_s:.2f} | {sql_mib:.0f} |",
            "",
            f"SQL / package: time {sql_s / python_s:.2f}x, peak memory {sql_mib / python_mib:.2f}x; "
            f"the two agree on {share:.1%} of the package's {rows_a:,} neighbour rows (SQL: {rows_b:,}; "
            "ties at equal similarity may order differently).",
        ]
    return "\n".join(lines) + "\n"


def markers(scale_name: str) -> tuple[str, str]:
    """The start and end markers of a scale's section in the results file."""
    return f"<!-- bench:{scale_name}:start -->", f"<!-- bench:{scale_name}:end -->"


def replace_section(text: str, scale_name: str, body: str, order: tuple[str, ...] = tuple(SCALES)) -> str:
    """`text` (a results file, possibly empty) with the section of `scale_name` replaced by
    `body`, or inserted before the first section of a later scale in `order` (at the end when
    none follows). Everything else is kept byte for byte."""
    start, end = markers(scale_name)
    block = f"{start}\n{body.rstrip()}\n{end}"
    if not text.strip():
        return f"{RESULTS_HEADER}\n{block}\n"
    if start in text:
        if end not in text[text.index(start) :]:
            raise ValueError(f"results file has {start} without {end}")
        head, rest = text.split(start, 1)
        return head + block + rest.split(end, 1)[1]
    later = order[order.index(scale_name) + 1 :] if scale_name in order else ()
    positions = [text.index(markers(s)[0]) for s in later if markers(s)[0] in text]
    if positions:
        at = min(positions)
        return text[:at] + block + "\n\n" + text[at:]
    return text.rstrip("\n") + "\n\n" + block + "\n"


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark at one scale and rewrite that scale's section of the results file."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--scale",
        default=os.environ.get("SCALE") or "1M",
        help=f"one of {', '.join(SCALES)} (default: environment SCALE, from `make bench SCALE=...`, or 1M)",
    )
    p.add_argument("--runs", type=int, help="repetitions (default: 3 at 1M, 1 at 10M and above)")
    p.add_argument("--users", type=int, help="override the scale's generator users")
    p.add_argument("--items", type=int, help="override the scale's generator items")
    p.add_argument("--days", type=int, help="override the scale's generator days")
    p.add_argument("--families", action=argparse.BooleanOptionalAction, default=None,
                   help="re-run each model family alone (default: at 1M)")  # fmt: skip
    p.add_argument("--item-cf", action=argparse.BooleanOptionalAction, default=None,
                   help="item-CF package vs pure-SQL step (default: at 1M and below)")  # fmt: skip
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--out", type=Path, help="results file (default bench/results.md; smoke scale: bench/work/)"
    )
    args = p.parse_args(argv)
    try:
        scale = parse_scale(args.scale)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    overrides = {k: getattr(args, k) for k in ("runs", "users", "items", "days", "families", "item_cf")}
    scale = replace(scale, **{k: v for k, v in overrides.items() if v is not None})
    out = args.out or (SMOKE_RESULTS if scale.smoke else RESULTS)
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    env.setdefault(SECRET_ENV_VAR, DEMO_SECRET)
    memory_limit = duckdb_memory_limit(env)
    work = WORK_ROOT / scale.name
    print(
        f"bench {scale.name}: {scale.users:,} users, {scale.items:,} items, {scale.days} days, "
        f"{scale.runs} run(s); DuckDB memory limit {memory_limit[0]} ({memory_limit[1]}); work in {work}"
    )
    runs = []
    for i in range(scale.runs):
        runs.append(one_run(scale, args.seed, env, work))
        last = runs[-1]
        print(
            f"run {i + 1}/{scale.runs}: "
            f"generate {last.generate.seconds:.1f}s {last.generate.peak_mib:,.0f} MiB; "
            f"build {last.build.seconds:.1f}s {last.build.peak_mib:,.0f} MiB; "
            f"floor {last.floor.seconds:.1f}s {last.floor.peak_mib:,.0f} MiB",
            flush=True,
        )
    body = report(runs, scale, count_events(work / "raw"), args.seed, memory_limit)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(replace_section(out.read_text() if out.exists() else "", scale.name, body))
    print(body)
    print(f"written: section {scale.name} of {out}")


if __name__ == "__main__":
    main()
