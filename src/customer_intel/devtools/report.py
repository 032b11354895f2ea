"""Reports that regenerate the figures quoted in the README from the project's own tables.

    python -m customer_intel.devtools.report {archetype-rfm,archetype-segments,churn,recommendations}
        [--build-db warehouse/build.duckdb] [--truth data/demo/_truth/users.parquet]
    python -m customer_intel.devtools.report recommendation-ceiling [--build-db ...] [--raw data/demo]

`churn` prints the churn model's coefficients, its out-of-time evaluation next to the
recency-only baseline, and the decile table, as Markdown.

`recommendation-ceiling` scores the demo generator's own purchase probabilities as a
recommender on the build's backtest (devtools.demo_data.oracle) and prints its hit rate beside the
best popularity baseline and the champion: how much is left to learn on the demo data.

`archetype-segments` prints the adjusted Rand index between the planted archetypes and the
K-means segments. `archetype-rfm` cross-tabulates the demo generator's planted archetypes (ground truth, read
only here) against `rfm_scores.rfm_segment`, keying the truth's raw ids with the same HMAC and
secret the build used (DBT_ENV_SECRET_PII_SALT, or the demo secret).
"""

from __future__ import annotations

import argparse
import os
from decimal import Decimal
from pathlib import Path

import duckdb
from sklearn.metrics import adjusted_rand_score

from customer_intel.devtools.demo_data.oracle import (
    config_from_truth,
    generator_items,
    generator_people,
    oracle_lists,
)
from customer_intel.ops.dbt_command import dbt_command
from customer_intel.ops.pii import DEMO_SECRET, SECRET_ENV_VAR, make_user_key_function

NO_PURCHASE = "(no purchase in window)"


def archetype_rfm_crosstab(build_db: Path, truth: Path, secret: str) -> list[tuple[str, str, int]]:
    """(rfm_segment or NO_PURCHASE, archetype, people) for every pair that occurs."""
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        con.create_function("user_key_of", make_user_key_function(secret), ["VARCHAR"], "VARCHAR")
        return con.execute(
            """
            select coalesce(rfm.rfm_segment, ?) as segment, truth.archetype, count(*) as people
            from read_parquet(?) as truth
            left join marts.rfm_scores as rfm on rfm.user_key = user_key_of(truth.user_id)
            group by all
            order by all
            """,
            [NO_PURCHASE, str(truth)],
        ).fetchall()
    finally:
        con.close()


def archetype_segment_ari(build_db: Path, truth: Path, secret: str) -> tuple[float, int]:
    """Adjusted Rand index between planted archetypes and K-means `user_segments`, and the
    number of people compared (buyers in the window)."""
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        con.create_function("user_key_of", make_user_key_function(secret), ["VARCHAR"], "VARCHAR")
        rows = con.execute(
            """
            select truth.archetype, segments.segment_id
            from read_parquet(?) as truth
            inner join marts.user_segments as segments on segments.user_key = user_key_of(truth.user_id)
            order by truth.user_id
            """,
            [str(truth)],
        ).fetchall()
    finally:
        con.close()
    return float(adjusted_rand_score([a for a, _ in rows], [s for _, s in rows])), len(rows)


def markdown_crosstab(rows: list[tuple[str, str, int]]) -> str:
    """Segments as rows, archetypes as columns, people in the cells."""
    segments = sorted({s for s, _, _ in rows})
    archetypes = sorted({a for _, a, _ in rows})
    cells = {(s, a): n for s, a, n in rows}
    lines = [
        "| RFM segment | " + " | ".join(archetypes) + " |",
        "|---|" + "---:|" * len(archetypes),
    ]
    for segment in segments:
        lines.append(
            f"| {segment} | " + " | ".join(str(cells.get((segment, a), 0)) for a in archetypes) + " |"
        )
    return "\n".join(lines)


def format_cell(value: object) -> str:
    """A table cell: floats to 3 decimals, integers with thousands separators, NULL as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown_query(build_db: Path, sql: str) -> str:
    """The result of a read-only query on the build file as a Markdown table."""
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        result = con.execute(sql)
        columns = [d[0] for d in result.description]
        rows = result.fetchall()
    finally:
        con.close()
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(format_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


CHURN_EVALUATION_QUERY = (
    "select model_name, roc_auc, pr_auc, log_loss, brier_score, is_champion, selection_note "
    "from marts.churn_evaluation order by complexity_rank"
)
CHURN_QUERIES = (
    (
        "Out-of-time evaluation of every candidate (backtest fits on the eval snapshot) and the champion",
        CHURN_EVALUATION_QUERY,
    ),
    (
        "Calibration, lift and capture of the champion by risk decile",
        "select decile, model_name, user_count, mean_predicted_probability, observed_churn_rate, "
        "calibration_noise_band, is_within_noise_band, lift, capture_rate "
        "from marts.churn_evaluation_deciles order by decile",
    ),
    (
        "Serving logistic regression (standardised features; positive = raises churn risk)",
        "select feature_name, coefficient, feature_mean, feature_std from marts.churn_model "
        "where fit_role = 'serving' and model_name = 'logistic_regression' order by feature_order",
    ),
    (
        "Serving decision tree, its leaves as rules",
        "select node_id, rule_text from marts.churn_tree "
        "where fit_role = 'serving' and is_leaf order by node_id",
    ),
)


def churn_report(build_db: Path) -> str:
    """The churn candidates, their evaluation, the champion's deciles and the serving fits as
    Markdown sections."""
    header = markdown_query(
        build_db,
        "select evaluation_snapshot_date, backtest_training_snapshot_date, serving_training_snapshot_date, "
        "user_count, positive_rate from marts.churn_evaluation where is_champion",
    )
    parts = [header]
    for title, sql in CHURN_QUERIES:
        parts += [f"{title}:", markdown_query(build_db, sql)]
    return "\n\n".join(parts)


RECOMMENDATION_QUERIES = (
    (
        "Backtest (lists built at the cutoff, checked on purchases after it)",
        "select evaluation_mode, model_name, users_evaluated, precision_at_n, recall_at_n, ndcg_at_n, "
        "hit_rate, catalog_coverage from marts.recommendation_evaluation "
        "order by evaluation_mode, candidate_order",
    ),
    (
        "Sources of the served lists",
        "select source, count(*) as rows, count(distinct user_key) as people "
        "from marts.user_recommendations group by source order by source",
    ),
    (
        "Top frequently-bought-together pairs by lift (at least 5 orders)",
        "select item_a_name, item_b_name, pair_orders, confidence_a_to_b, confidence_b_to_a, lift "
        "from marts.frequently_bought_together where pair_orders >= 5 "
        "order by lift desc, item_a, item_b limit 5",
    ),
)


def recommendation_ceiling(build_db: Path, raw_dir: Path, secret: str) -> list[dict[str, object]]:
    """Per backtest mode: the hit rate at N of the generator's own probabilities (oracle_lists,
    skipping the bought items in exclude_bought as every list does) on the people and relevant
    items of the build's backtest, beside the best popularity baseline and the champion of
    recommendation_evaluation (NULL champion in the mode not served). raw_dir is the demo data
    the build read, with its `_truth/truth.json`."""
    cfg = config_from_truth(raw_dir)
    key_of = make_user_key_function(secret)
    people = generator_people(cfg)
    people = people.assign(user_key=people["user_id"].map(key_of))
    items = generator_items(cfg)
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        relevant = con.execute(
            "select evaluation_mode, user_key, item_id from intermediate.int_recommendation_backtest_relevant"
        ).df()
        bought = con.execute(
            "select people.user_key, items.item_id "
            "from intermediate.int_recommendation_person_items as items "
            "inner join intermediate.int_recommendation_people as people "
            "on items.snapshot_role = people.snapshot_role and items.user_index = people.user_index "
            "where items.snapshot_role = 'recommendation_backtest' and items.is_bought"
        ).df()
        metrics = con.execute(
            "select evaluation_mode, model_name, model_kind, hit_rate, top_n, is_champion "
            "from marts.recommendation_evaluation order by evaluation_mode, candidate_order"
        ).df()
    finally:
        con.close()
    id_of = dict(zip(people["user_key"], people["user_id"], strict=True))
    key_by_id = dict(zip(people["user_id"], people["user_key"], strict=True))
    bought_pairs = [
        (id_of[k], i) for k, i in zip(bought["user_key"], bought["item_id"], strict=True) if k in id_of
    ]
    rows: list[dict[str, object]] = []
    for mode, mode_metrics in metrics.groupby("evaluation_mode", sort=True):
        wanted = relevant[relevant["evaluation_mode"] == mode]
        evaluated = people[people["user_key"].isin(set(wanted["user_key"]))]
        skipped = bought_pairs if mode == "exclude_bought" else []
        lists = oracle_lists(evaluated, items, skipped, int(mode_metrics["top_n"].iloc[0]))
        lists = lists.assign(user_key=lists["user_id"].map(key_by_id))
        hits = lists.merge(wanted, on=["user_key", "item_id"])
        baselines = mode_metrics[mode_metrics["model_kind"] == "baseline"]
        best = baselines.loc[baselines["hit_rate"].idxmax()]
        champion = mode_metrics[mode_metrics["is_champion"]]
        rows.append(
            {
                "evaluation_mode": mode,
                "users_evaluated": wanted["user_key"].nunique(),
                "generator_hit_rate": hits["user_key"].nunique() / max(wanted["user_key"].nunique(), 1),
                "best_baseline": best["model_name"],
                "best_baseline_hit_rate": float(best["hit_rate"]),
                "champion": champion["model_name"].iloc[0] if len(champion) else None,
                "champion_hit_rate": float(champion["hit_rate"].iloc[0]) if len(champion) else None,
            }
        )
    return rows


def markdown_ceiling(rows: list[dict[str, object]]) -> str:
    """The ceiling rows as a Markdown table with the ratios to the best baseline."""
    lines = [
        "| mode | people | generator's probabilities | best baseline | champion "
        "| generator / baseline | champion / baseline |",
        "|---|---:|---:|---|---|---:|---:|",
    ]
    for r in rows:
        base = float(r["best_baseline_hit_rate"])
        champion = "" if r["champion"] is None else f"{r['champion']} {float(r['champion_hit_rate']):.3f}"
        champion_ratio = "" if r["champion"] is None else f"{float(r['champion_hit_rate']) / base:.2f}x"
        lines.append(
            f"| {r['evaluation_mode']} | {int(r['users_evaluated']):,} "
            f"| {float(r['generator_hit_rate']):.3f} "
            f"| {r['best_baseline']} {base:.3f} | {champion} "
            f"| {float(r['generator_hit_rate']) / base:.2f}x "
            f"| {champion_ratio} |"
        )
    return "\n".join(lines)


def recommendation_report(build_db: Path) -> str:
    """The recommendation backtest, list sources and top bought-together pairs as Markdown."""
    parts = []
    for title, sql in RECOMMENDATION_QUERIES:
        parts += [f"{title}:", markdown_query(build_db, sql)]
    return "\n\n".join(parts)


ONLINE_RETAIL_QUERIES = (
    (
        "Every raw line accounted for (`raw_load_summary`, events)",
        "select outcome, reject_reason, row_count, share_of_raw_rows, revenue from marts.raw_load_summary "
        "where source_table = 'events' order by row_count desc",
    ),
    (
        "RFM segments (`rfm_scores`)",
        "select rfm_segment, count(*) as people, sum(monetary) as net_revenue from marts.rfm_scores "
        "group by rfm_segment order by people desc, rfm_segment",
    ),
    (
        "K-means segments (`segment_profiles`; k chosen by the rule)",
        "select segment_name, user_count, user_share, revenue_share, median_recency_days, median_frequency, "
        "median_monetary, dominant_rfm_segment from marts.segment_profiles order by segment_id",
    ),
    (
        "Churn, out of time (`churn_evaluation`, horizon 90 days; the champion serves `churn_scores`)",
        CHURN_EVALUATION_QUERY,
    ),
    (
        "Recommendation backtest, last 30 days (`recommendation_evaluation`; the served default is "
        "`exclude_bought`; `include_bought` lets wholesale customers' rebuying count)",
        "select evaluation_mode, model_name, users_evaluated, precision_at_n, recall_at_n, ndcg_at_n, "
        "hit_rate, catalog_coverage from marts.recommendation_evaluation "
        "order by evaluation_mode, candidate_order",
    ),
    (
        "Most frequent bought-together pairs (`frequently_bought_together`)",
        "select item_a_name, item_b_name, pair_orders, confidence_a_to_b, confidence_b_to_a, lift "
        "from marts.frequently_bought_together order by pair_orders desc, item_a, item_b limit 5",
    ),
)


def online_retail_section(build_db: Path, build_seconds: float, peak_mib: float) -> str:
    """The README section's generated body: figures read from the Online Retail build."""
    parts = [
        f"Build (`dbt build`, full, 2 threads): {build_seconds:.0f} s wall time, {peak_mib:,.0f} MiB peak "
        "resident memory (one measurement on a shared 2-core machine; informative only)."
    ]
    for title, sql in ONLINE_RETAIL_QUERIES:
        parts += [f"{title}:", markdown_query(build_db, sql)]
    return "\n\n".join(parts)


ONLINE_RETAIL_SOURCE = Path("../shared/data/online_retail/online_retail.parquet")
README_START = "<!-- online-retail:start (generated by `make online-retail-report`) -->"
README_END = "<!-- online-retail:end -->"
ONLINE_RETAIL_VARS = {"as_of_date": "2011-12-09", "max_reject_share": 0.3}


def rewrite_online_retail_readme(
    source: Path, data_dir: Path, build_db: Path, readme: Path, secret: str
) -> None:
    """Import the data set, build it from scratch (timed) and replace the README's generated block."""
    from customer_intel.devtools.bench import measure
    from customer_intel.devtools.online_retail import convert

    convert(source, data_dir)
    build_db.parent.mkdir(parents=True, exist_ok=True)
    build_db.unlink(missing_ok=True)
    dbt_vars = {"raw_data_path": str(data_dir.resolve()), **ONLINE_RETAIL_VARS}
    env = {**os.environ, "DBT_DUCKDB_PATH": str(build_db.resolve()), SECRET_ENV_VAR: secret}
    build = measure(dbt_command("build", dbt_vars=dbt_vars), env)
    if build.returncode != 0:
        raise SystemExit("dbt build on Online Retail failed; see logs/dbt.log")
    body = online_retail_section(build_db, build.seconds, build.peak_mib)
    text = readme.read_text()
    start, end = text.index(README_START) + len(README_START), text.index(README_END)
    readme.write_text(text[:start] + "\n\n" + body + "\n\n" + text[end:])
    print(body)


def main(argv: list[str] | None = None) -> None:
    """Print the requested report."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="report", required=True)
    cross = sub.add_parser("archetype-rfm", help="planted archetype x RFM segment")
    cross.add_argument("--build-db", type=Path, default=Path("warehouse/build.duckdb"))
    cross.add_argument("--truth", type=Path, default=Path("data/demo/_truth/users.parquet"))
    ari = sub.add_parser("archetype-segments", help="adjusted Rand index, planted archetype vs K-means")
    ari.add_argument("--build-db", type=Path, default=Path("warehouse/build.duckdb"))
    ari.add_argument("--truth", type=Path, default=Path("data/demo/_truth/users.parquet"))
    churn = sub.add_parser("churn", help="churn model, evaluation vs recency baseline, deciles")
    churn.add_argument("--build-db", type=Path, default=Path("warehouse/build.duckdb"))
    recs = sub.add_parser("recommendations", help="recommendation backtest, sources, bought-together pairs")
    recs.add_argument("--build-db", type=Path, default=Path("warehouse/build.duckdb"))
    ceiling = sub.add_parser(
        "recommendation-ceiling", help="the demo generator's probabilities as a recommender"
    )
    ceiling.add_argument("--build-db", type=Path, default=Path("warehouse/build.duckdb"))
    ceiling.add_argument("--raw", type=Path, default=Path("data/demo"))
    retail = sub.add_parser("online-retail", help="import, build (measured) and rewrite the README section")
    retail.add_argument("--source", type=Path, default=ONLINE_RETAIL_SOURCE)
    retail.add_argument("--data-dir", type=Path, default=Path("data/online_retail"))
    retail.add_argument("--build-db", type=Path, default=Path("warehouse/online_retail_report.duckdb"))
    retail.add_argument("--readme", type=Path, default=Path("README.md"))
    args = p.parse_args(argv)
    secret = os.environ.get(SECRET_ENV_VAR) or DEMO_SECRET
    if args.report == "online-retail":
        rewrite_online_retail_readme(args.source, args.data_dir, args.build_db, args.readme, secret)
    elif args.report == "recommendation-ceiling":
        print(markdown_ceiling(recommendation_ceiling(args.build_db, args.raw, secret)))
    elif args.report == "recommendations":
        print(recommendation_report(args.build_db))
    elif args.report == "churn":
        print(churn_report(args.build_db))
    elif args.report == "archetype-rfm":
        print(markdown_crosstab(archetype_rfm_crosstab(args.build_db, args.truth, secret)))
    else:
        value, people = archetype_segment_ari(args.build_db, args.truth, secret)
        print(f"adjusted Rand index, planted archetype vs K-means segment: {value:.3f} ({people:,} buyers)")


if __name__ == "__main__":
    main()
