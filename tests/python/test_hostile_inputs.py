"""Hostile inputs (issue 12): each kind of bad input gets a quarantine row with a reason or a
clear message before anything is built or published, never an out-of-memory kill, a glob
surprise or a blocked publish. One test (or parametrised case) per kind, run through the same
`customer_intel.ops.cli run` that `make run` calls, on a small generated shop written as CSV.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_DIR, DbtRunner
from customer_intel.devtools.demo_data.config import GeneratorConfig
from customer_intel.devtools.demo_data.generate import generate
from customer_intel.ops.pii import SECRET_ENV_VAR

pytestmark = pytest.mark.dbt

SECRET = "hostile-inputs-test-secret"
LONG_ID = "L" * 1_000_000  # one 1 MB item id
# Appended to events.csv of the hostile shop: (event id, line text, expected outcome)
HOSTILE_LINES = [
    ("HX2", "HX2,U0000001,purchase,I00001,OX2,2000000,50000000,2026-05-01 10:00,app", "value_out_of_range"),
    ("HX3", "HX3,U0000001,view,I00001,,,,2026-05-01 10:00:00,app,extra,fields", "malformed_csv_line"),
    ("HX4", "HX4,U0000001,purchase,I00001,OX4,1,1_000,2026-05-01 10:00:00,app", "invalid_price"),
    ("HX5", "HX5,U0000001,purchase,I00001,OX5,1e2,10,2026-05-01 10:00:00,app", "invalid_quantity"),
    ("HX6", 'HX6,"U0000009,view,I00001,,,,2026-05-01 10:00:00,"app', "malformed_csv_line"),
    ("HX7", "HX7,U0000001,view,I00001,,,,2026-05-01 10:00:00,app", "kept"),
]


@dataclass
class Run:
    """One `customer_intel.ops.cli run`: exit code, output and the peak RSS of the run's processes."""

    returncode: int
    output: str
    peak_rss_kb: int
    published: Path
    build: Path

    def query(self, sql: str) -> list[tuple]:
        """Query the published file (or the build file when nothing was published)."""
        path = self.published if self.published.exists() else self.build
        con = duckdb.connect(str(path), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()


# Runs the cli as a child and reports the largest resident set of it and its children (dbt).
PEAK_RSS_WRAPPER = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[2:]).returncode
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def cli_run(workdir: Path, raw: Path | None, *args: str, env: dict | None = None) -> Run:
    """`python -m customer_intel.ops.cli run` on `raw` with its own build and published files."""
    workdir.mkdir(parents=True, exist_ok=True)
    rss_file = workdir / "peak_rss_kb"
    command = [sys.executable, "-m", "customer_intel.ops.cli", "run",
               "--build-db", str(workdir / "build.duckdb"),
               "--published-db", str(workdir / "published.duckdb"),
               "--target-path", str(workdir / "target"),
               *(["--raw-data-path", str(raw)] if raw is not None else []), *args]  # fmt: skip
    inherited = {
        k: v
        for k, v in os.environ.items()
        if k not in ("RAW_DATA_PATH", "AS_OF_DATE", "MAX_REJECT_SHARE", "MIN_EVENT_DATE")
    }
    full_env = {**inherited, SECRET_ENV_VAR: SECRET, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(env or {})}
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_WRAPPER, str(rss_file), *command],
        cwd=PROJECT_DIR, env=full_env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    rss = int(rss_file.read_text()) if rss_file.exists() else 0
    return Run(
        done.returncode,
        done.stdout + done.stderr,
        rss,
        workdir / "published.duckdb",
        workdir / "build.duckdb",
    )


@pytest.fixture(scope="module")
def base_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated shop as CSV files (the contract's text form)."""
    root = tmp_path_factory.mktemp("hostile")
    generate(GeneratorConfig(seed=11, users=300, items=60, days=200), root / "parquet")
    csv_dir = root / "base"
    csv_dir.mkdir()
    con = duckdb.connect()
    for path in sorted((root / "parquet").glob("*.parquet")):
        con.execute(
            f"copy (select * from read_parquet('{path}')) to '{csv_dir / (path.stem + '.csv')}' (header)"
        )
    con.close()
    return csv_dir


def copy_shop(base: Path, target: Path) -> Path:
    """A copy of the shop's contract files in `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for path in base.glob("*.csv"):
        shutil.copy(path, target / path.name)
    return target


def literal(path: Path) -> str:
    """A path for DuckDB's readers that is not taken as a glob pattern."""
    return str(path).replace("[", "[[]")


def last_event_day(shop: Path) -> str:
    """The last day with a clean-looking event (the default as_of of a build on it)."""
    con = duckdb.connect()
    try:
        return str(
            con.execute(
                "select max(try_cast(event_at as timestamp))::date "
                f"from read_csv('{literal(shop / 'events.csv')}', all_varchar = true) "
                "where try_cast(event_at as timestamp) < timestamp '2090-01-01'"
            ).fetchone()[0]
        )
    finally:
        con.close()


def write_experiments(shop: Path) -> None:
    """Three experiments: finished (every 14-day window ended by the last day), running (some
    windows still open) and too early (none ended)."""
    end = last_event_day(shop)
    con = duckdb.connect()
    con.execute(
        f"""
        copy (
            with people as (
                select user_id, row_number() over (order by user_id) as n
                from read_csv('{literal(shop / "users.csv")}', all_varchar = true)
            ),
            plan as (
                select user_id, n, 'exp_finished' as experiment_id, 100 + n % 5 as days_before_end from people
                union all
                select user_id, n, 'exp_running', n % 30 from people
                union all
                select user_id, n, 'exp_too_early', n % 5 from people
            )
            select
                user_id,
                experiment_id,
                case when n % 2 = 0 then 'control' else 'treatment' end as variant,
                cast(date '{end}' - cast(days_before_end as integer) as timestamp) as assigned_at
            from plan
            order by experiment_id, user_id
        ) to '{shop / "experiment_assignments.csv"}' (header)
        """
    )
    con.close()


@pytest.fixture(scope="module")
def hostile_pair(base_shop: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Run, Path]:
    """The same hostile shop built twice, without and with one 1 MB item id: (without, with,
    raw dir of `without`). The raw dir's name holds glob characters and a decoy folder next to
    it is what they would match as a glob."""
    root = tmp_path_factory.mktemp("hostile_pair")
    runs = []
    for name, long_id in (("without", False), ("with", True)):
        raw = copy_shop(base_shop, root / name / "shop[12]")
        copy_shop(base_shop, root / name / "shop1")  # what the glob `shop[12]` would match
        (root / name / "shop1" / "events.csv").write_text(
            "event_id,user_id,event_type,item_id,order_id,quantity,unit_price,event_at,channel\n"
        )
        write_experiments(raw)
        with (raw / "events.csv").open("a") as events:
            if long_id:
                events.write(f"HX1,U0000001,view,{LONG_ID},,,,2026-05-01 10:00:00,app\n")
            events.writelines(line + "\n" for _, line, _ in HOSTILE_LINES)
        runs.append(cli_run(root / name / "work", raw, "--max-reject-share", "0.3"))
    without, with_long = runs
    assert without.returncode == 0, without.output[-4000:]
    assert with_long.returncode == 0, with_long.output[-4000:]
    return without, with_long, root / "without" / "shop[12]"


# 1 ------------------------------------------------------------------------------------------
def test_1_long_id_is_quarantined_within_bounded_memory(hostile_pair: tuple[Run, Run, Path]) -> None:
    without, with_long, _ = hostile_pair
    assert with_long.query(
        "select reject_reason, length(item_id) from rejected_events where event_id = 'HX1'"
    ) == [("id_too_long", len(LONG_ID))]
    assert with_long.query("select max(length(item_id)) from clean_events")[0][0] <= 256
    assert 0 < with_long.peak_rss_kb < 1.5 * without.peak_rss_kb, (with_long.peak_rss_kb, without.peak_rss_kb)


def test_1_item_matrix_keeps_ids_as_python_strings() -> None:
    import pandas as pd

    from customer_intel.ml.recommend import user_item_matrix

    frame = pd.DataFrame(
        {
            "user_key": ["a", "b", "a"],
            "item_id": ["x" * 100_000, "y", "y"],
            "interaction_weight": [1.0, 2.0, 3.0],
        }
    )
    uim = user_item_matrix(frame)
    # a fixed-width numpy str array would take 400 KB per id here
    assert uim.item_ids.dtype == object and list(uim.item_ids) == ["x" * 100_000, "y"]
    assert uim.weights.toarray().tolist() == [[1.0, 3.0], [0.0, 2.0]]


# 2 ------------------------------------------------------------------------------------------
def test_2_experiments_in_progress_publish_with_a_status(hostile_pair: tuple[Run, Run, Path]) -> None:
    without, _, _ = hostile_pair
    rows = without.query(
        "select experiment_id, status, count(*) filter (where not is_control and absolute_lift is not null), "
        "count(*) filter (where coalesce(z_score, p_value, ci_95_low, ci_95_high) is not null) "
        "from experiment_results group by 1, 2 order by 1"
    )
    assert rows == [
        ("exp_finished", "finished", 1, 1),
        ("exp_running", "running", 0, 0),
        ("exp_too_early", "too_early", 0, 0),
    ]


# 3 ------------------------------------------------------------------------------------------
def test_3_raw_path_is_read_literally(hostile_pair: tuple[Run, Run, Path]) -> None:
    without, _, raw = hostile_pair
    lines = (raw / "events.csv").read_text().count("\n") - 1  # data lines of the literal folder
    assert lines > 1000  # the decoy folder `shop1` has none
    assert without.query("select sum(row_count) from raw_load_summary where source_table = 'events'") == [
        (lines,)
    ]


# 4 ------------------------------------------------------------------------------------------
def test_4_amount_overflow_is_quarantined(hostile_pair: tuple[Run, Run, Path]) -> None:
    without, _, _ = hostile_pair
    row = without.query(
        "select reject_reason, quantity_raw, unit_price_raw, revenue from rejected_events "
        "where event_id = 'HX2'"
    )
    assert row == [("value_out_of_range", "2000000", "50000000", 0)]


# 5 ------------------------------------------------------------------------------------------
NO_BUYER_CASES = {
    "no_purchases": ("views only", ()),
    "header_only": ("header-only events file", ()),
    "all_rejected": ("every event rejected", ("--max-reject-share", "1")),
    "as_of_before_data": (
        "as_of before all events",
        ("--as-of-date", "2020-01-01", "--max-reject-share", "0.3"),
    ),
    "as_of_2099": ("as_of far after the data", ("--as-of-date", "2099-01-01", "--max-reject-share", "0.3")),
}


@pytest.mark.parametrize("case", sorted(NO_BUYER_CASES))
def test_5_no_buyers_publish_empty_models_with_a_status(base_shop: Path, tmp_path: Path, case: str) -> None:
    shop = copy_shop(base_shop, tmp_path / "shop")
    events = (shop / "events.csv").read_text().splitlines()
    header, body = events[0], events[1:]
    if case == "no_purchases":
        body = [line for line in body if ",purchase," not in line and ",refund," not in line]
    elif case == "header_only":
        body = []
    elif case == "all_rejected":
        body = [",".join([*line.split(",")[:2], "bogus", *line.split(",")[3:]]) for line in body]
    (shop / "events.csv").write_text("\n".join([header, *body]) + "\n")
    run = cli_run(tmp_path / "work", shop, *NO_BUYER_CASES[case][1])
    assert run.returncode == 0, run.output[-4000:]
    status = dict(run.query("select model_family, model_status from model_status"))
    assert status["segmentation"] == "no_buyers"
    assert run.query("select count(*) from user_segments") == [(0,)]
    assert run.query("select count(*) from segment_k_selection") == [(0,)]
    assert "note: segmentation no_buyers: no person has a purchase in the lookback window" in run.output
    assert "WARN" in run.output and "assert_models_fitted" in run.output


# 6 ------------------------------------------------------------------------------------------
# Late-arriving users re-merged by an incremental build, equal to a full refresh:
# test_dbt_incremental.py (with late events, corrections and duplicates in the same batch); when
# the cli builds incrementally: test_cli.py.


# 7 ------------------------------------------------------------------------------------------
def test_7_failure_hint_comes_from_the_current_run(
    base_shop: Path, hostile_pair: tuple[Run, Run, Path], tmp_path: Path
) -> None:
    # a copy of the work directory of a good run (build file, published file, run results)
    shutil.copytree(hostile_pair[0].build.parent, tmp_path / "work")
    # the same build file, now a file without a required column: no counts of the previous
    # data set, no advice about MAX_REJECT_SHARE
    broken = copy_shop(base_shop, tmp_path / "broken")
    lines = (broken / "items.csv").read_text().splitlines()
    (broken / "items.csv").write_text("\n".join(line.split(",", 1)[1] for line in lines) + "\n")
    failed = cli_run(tmp_path / "work", broken)
    assert failed.returncode == 2
    assert "is missing required column 'item_id'" in failed.output
    assert "raw events by outcome" not in failed.output and "MAX_REJECT_SHARE" not in failed.output
    # too many rejects: this run's counts and the advice
    rejecty = copy_shop(base_shop, tmp_path / "rejecty")
    events = (rejecty / "events.csv").read_text().splitlines()
    events = [events[0], *(line.replace(",view,", ",bogus,") for line in events[1:])]
    (rejecty / "events.csv").write_text("\n".join(events) + "\n")
    too_many = cli_run(tmp_path / "work", rejecty)
    assert too_many.returncode == 2
    assert "raw events by outcome: unknown_event_type" in too_many.output
    assert "raise MAX_REJECT_SHARE" in too_many.output


def shift_years(shop: Path, target: Path, years: int) -> Path:
    """A copy of the shop with every timestamp (event_at, signed_up_at, assigned_at) moved
    `years` back; values that are not timestamps stay as they are."""
    target.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    for path in sorted(shop.glob("*.csv")):
        source = f"read_csv('{literal(path)}', all_varchar = true)"
        columns = [row[0] for row in con.execute(f"describe select * from {source}").fetchall()]
        moved = "strftime(try_cast({c} as timestamp) - interval {y} year, '%Y-%m-%d %H:%M:%S')"
        select = [
            f"coalesce({moved.format(c=c, y=years)}, {c}) as {c}"
            if c in ("event_at", "signed_up_at", "assigned_at")
            else c
            for c in columns
        ]
        con.execute(f"copy (select {', '.join(select)} from {source}) to '{target / path.name}' (header)")
    con.close()
    return target


def test_7_a_history_older_than_min_event_date_names_the_var(base_shop: Path, tmp_path: Path) -> None:
    # the shop 40 years earlier (1985-1986): before the default bound 1990-01-01, every event is
    # quarantined, the reject-share test fails and the message names the var and how to set it
    old = shift_years(base_shop, tmp_path / "old", 40)
    too_old = cli_run(tmp_path / "default", old)
    assert too_old.returncode == 2
    assert "timestamp_before_min_event_date: older than var min_event_date (1990-01-01)" in too_old.output
    assert "e.g. make run ... MIN_EVENT_DATE=YYYY-MM-DD" in too_old.output, too_old.output[-3000:]
    assert "raise MAX_REJECT_SHARE" not in too_old.output
    # setting it as the message says builds the same history (only the planted 1970 defect,
    # now 1930, is still before the bound)
    built = cli_run(tmp_path / "set", old, env={"MIN_EVENT_DATE": "1980-01-01"})
    assert built.returncode == 0, built.output[-3000:]
    reason = "reject_reason = 'timestamp_before_min_event_date'"
    assert built.query(f"select distinct event_at_raw from rejected_events where {reason}") == [
        ("1930-01-01 00:00:00",)
    ]
    # the history is in the warehouse: every clean event is from before the default bound
    span = "select count(*) > 10000, max(event_at) < timestamp '1990-01-01' from clean_events"
    assert built.query(span) == [(True, True)]


# 8, 9, 10 -----------------------------------------------------------------------------------
def test_8_9_10_bad_lines_and_numbers_are_quarantined_with_reason_and_line(
    hostile_pair: tuple[Run, Run, Path],
) -> None:
    without, _, raw = hostile_pair
    lines = (raw / "events.csv").read_text().splitlines()
    got = {
        row[0] or f"line {row[1]}": row[2]
        for row in without.query(
            "select event_id, source_line_number, reject_reason from rejected_events "
            "where event_id like 'HX%' or reject_reason = 'malformed_csv_line'"
        )
    }
    expected = {}
    for event_id, line, outcome in HOSTILE_LINES:
        if outcome == "malformed_csv_line":
            expected[f"line {lines.index(line) + 1}"] = outcome  # 1-based, the header is line 1
        elif outcome != "kept":
            expected[event_id] = outcome
    assert got == expected
    # the line after an unbalanced quote is read normally; no phantom person or channel is kept
    assert without.query("select count(*) from clean_events where event_id = 'HX7'") == [(1,)]
    assert without.query("select count(*) from clean_events where channel like '%\"%'") == [(0,)]
    details = without.query(
        "select reject_detail from rejected_events where reject_reason = 'malformed_csv_line' order by 1"
    )
    assert [d.split(":")[0] for (d,) in details] == ["too_many_columns", "unquoted_value"]


def test_8_reconciliation_counts_malformed_lines(hostile_pair: tuple[Run, Run, Path]) -> None:
    without, _, raw = hostile_pair
    data_lines = (raw / "events.csv").read_text().count("\n") - 1
    assert without.query(
        "select (select count(*) from clean_events) + (select count(*) from rejected_events)"
    ) == [(data_lines,)]


def test_8_a_quote_never_closed_counts_every_line_it_swallows(base_shop: Path, tmp_path: Path) -> None:
    """A stray quote in the middle of events.csv makes the reader take every later line into
    one malformed record: the reject share counts those lines (the build stops at the default
    MAX_REJECT_SHARE instead of publishing half the events), the advice names the file and the
    line, and the quarantine row says how many lines no record accounts for."""
    shop = copy_shop(base_shop, tmp_path / "shop")
    lines = (shop / "events.csv").read_text().splitlines()
    middle = len(lines) // 2
    fields = lines[middle].split(",")
    lines[middle] = ",".join([*fields[:-1], '"' + fields[-1]])  # the channel opens a quote
    assert '"' not in "".join(lines[middle + 1 :])  # and nothing after it closes one
    (shop / "events.csv").write_text("\n".join(lines) + "\n")
    run = cli_run(tmp_path / "work", shop)
    assert run.returncode == 2
    first_line, spanned = middle + 1, len(lines) - middle  # 1-based lines, the header is line 1
    swallowed = spanned - 1  # the malformed record is one of the lines it spans
    assert f"events.csv has {swallowed:,} more lines than records" in run.output
    assert f"inside malformed records from line {first_line:,} on" in run.output
    detail = run.query(
        "select reject_detail from intermediate.int_events_classified "
        "where reject_reason = 'malformed_csv_line'"
    )
    assert len(detail) == 1 and f"(events.csv has {swallowed} more lines than records:" in detail[0][0]


# 11 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["nan", "inf", "-0.1", "1.5", "abc"])
def test_11_max_reject_share_is_a_finite_share(tmp_path: Path, value: str) -> None:
    run = cli_run(tmp_path, tmp_path, env={"MAX_REJECT_SHARE": value})
    assert run.returncode == 2
    assert f"MAX_REJECT_SHARE must be a number between 0 and 1 (e.g. 0.3), got '{value}'" in run.output
    assert not run.build.exists()  # nothing was built


def test_11_min_event_date_is_a_real_date(tmp_path: Path) -> None:
    run = cli_run(tmp_path, tmp_path, env={"MIN_EVENT_DATE": "1990-02-30"})
    assert run.returncode == 2
    assert "MIN_EVENT_DATE must be a date YYYY-MM-DD, got '1990-02-30'" in run.output
    assert not run.build.exists()  # nothing was built


def test_11_impossible_dates_and_choices_stop_before_any_model(
    base_shop: Path, dbt_runner: DbtRunner
) -> None:
    for var_name, value in (
        ("as_of_date", "2024-13-45"),
        ("as_of_date", "2023-02-29"),
        ("load_time", "2024-02-30"),
        ("min_event_date", "1990-02-30"),
        ("item_similarity", "pearson"),
    ):
        dbt_vars = {"raw_data_path": str(base_shop), var_name: value}
        result = dbt_runner.run("run", "--select", "stg_shop__events", dbt_vars=dbt_vars)
        assert result.returncode != 0
        assert f"var {var_name} must be" in result.output and value in result.output, result.output[-2000:]


def audience(name: str, *conditions: dict) -> dict:
    """One audience of the var `audiences` with these conditions."""
    return {"name": name, "priority": 1, "purpose": "test", "conditions": list(conditions)}


UNTYPED = [
    (audience("p1", {"column": "orders_in_window", "operator": ">", "value": "1" * 63}),
     "audience 'p1': orders_in_window is numeric"),
    (audience("p2", {"column": ["city", "main_channel"], "operator": "=", "value": "x"}),
     "audience 'p2': unknown column"),
    (audience("p3", {"column": "city", "operator": "=", "value": None}),
     "audience 'p3': operator = on city needs a value"),
    (audience("p4", {"column": "as_of_date", "operator": "<", "value": "2024-99-99"}),
     "audience 'p4': as_of_date is a real date"),
    (audience("p5", {"column": "city", "operator": "in", "value": [["a"], "b"]}),
     "audience 'p5': city needs a single value"),
]  # fmt: skip


def test_11_audience_values_are_typed(base_shop: Path, dbt_runner: DbtRunner) -> None:
    # one compile reports every audience's problem
    result = dbt_runner.run(
        "compile",
        "--select",
        "audience_members",
        dbt_vars={"raw_data_path": str(base_shop), "audiences": [a for a, _ in UNTYPED]},
    )
    assert result.returncode != 0
    for _, message in UNTYPED:
        assert message in result.output, (message, result.output[-2000:])


# 12 -----------------------------------------------------------------------------------------
def test_12_make_variables_are_taken_literally(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    hostile = f"/nonexistent/a\"b$HOME `touch {marker}` $(shell touch {marker}) 'q"
    done = subprocess.run(
        ["make", "--no-print-directory", "run", f"RAW_DATA_PATH={hostile}", "AS_OF_DATE=2026-01-01"],
        cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
        env={k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS")},
    )  # fmt: skip
    assert done.returncode != 0
    assert not marker.exists()
    assert f"RAW_DATA_PATH {hostile} is not a directory" in done.stderr, done.stdout + done.stderr


# extras -------------------------------------------------------------------------------------
def test_demo_data_module_runs_without_pythonpath(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-m", "customer_intel.devtools.demo_data", "--help"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_one_person_shop_gets_recommendations(base_shop: Path, tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    shop.mkdir()
    shutil.copy(base_shop / "items.csv", shop / "items.csv")
    users = (base_shop / "users.csv").read_text().splitlines()
    events = (base_shop / "events.csv").read_text().splitlines()
    buyer = next(line.split(",")[1] for line in events[1:] if ",purchase," in line)
    (shop / "users.csv").write_text(
        "\n".join([users[0], *(u for u in users if u.startswith(buyer + ","))]) + "\n"
    )
    (shop / "events.csv").write_text("\n".join([events[0], *(e for e in events if f",{buyer}," in e)]) + "\n")
    run = cli_run(tmp_path / "work", shop, "--max-reject-share", "0.3")
    assert run.returncode == 0, run.output[-3000:]
    top_n = 10
    assert run.query("select count(distinct user_key), count(*) from user_recommendations") == [(1, top_n)]
    bought = run.query(
        "select count(*) from user_recommendations as r join clean_events as e "
        "on r.user_key = e.user_key and r.item_id = e.item_id and e.event_type = 'purchase'"
    )
    assert bought == [(0,)]
