"""Check the served churn scores against what really happened after the analysis date.

    python -m customer_intel.devtools.churn_check --build-db warehouse/build.duckdb

For a build whose `as_of_date` lies at least `churn_horizon_days` before the end of its data,
the people of `churn_scores` are labelled from `clean_events` (which keeps every clean event,
also those after as_of_date): churned = no purchase in (as_of_date, as_of_date + H]. Prints, as
a Markdown table, the ROC AUC against those labels of the served probability, of days since
the last purchase (the recency-only ranking) and of every candidate's serving fit, on the same
people. The build itself never reads these labels: this is the acceptance check "does what we
serve beat recency on the future", run after the fact.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import numpy as np
from sklearn.metrics import roc_auc_score

LABEL_SQL = """
with
as_of as (select as_of_date from intermediate.int_analysis_date),
future as (
    select distinct clean_events.user_key
    from marts.clean_events
    cross join as_of
    where clean_events.event_type = 'purchase'
      and clean_events.event_date > as_of.as_of_date
      and clean_events.event_date <= as_of.as_of_date + ?
)
select
    snapshots.user_key,
    future.user_key is null as churned,
    snapshots.recency_days,
    scores.churn_probability
from intermediate.int_churn_snapshots as snapshots
inner join marts.churn_scores as scores on snapshots.user_key = scores.user_key
left join future on snapshots.user_key = future.user_key
where snapshots.snapshot_role = 'score'
order by snapshots.user_key
"""


def auc_or_none(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """ROC AUC of `scores` for the positive labels, None with a single class."""
    return float(roc_auc_score(labels, scores)) if 0 < labels.sum() < len(labels) else None


def check(build_db: Path, horizon: int) -> list[tuple[str, float | None]]:
    """(ranking, ROC AUC against the next `horizon` days) for the served probability, recency
    and every candidate's serving predictions, on the people of churn_scores."""
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        ((as_of, last_event),) = con.execute(
            "select (select as_of_date from intermediate.int_analysis_date), max(event_date) "
            "from marts.clean_events"
        ).fetchall()
        if last_event is None or (last_event - as_of).days < horizon:
            raise SystemExit(
                f"{build_db}: the data ends on {last_event}, less than {horizon} days after as_of_date "
                f"{as_of}: build with an earlier AS_OF_DATE to check churn on what happened next"
            )
        rows = con.execute(LABEL_SQL, [horizon]).fetchall()
        candidates = con.execute(
            "select model_name, user_key, churn_probability from intermediate.int_churn_predictions "
            "where snapshot_role = 'score' order by model_name, user_key"
        ).fetchall()
        served = con.execute("select model_name from marts.churn_evaluation where is_champion").fetchall()
    finally:
        con.close()
    if not rows:
        raise SystemExit(f"{build_db}: churn_scores is empty")
    keys = [r[0] for r in rows]
    labels = np.array([r[1] for r in rows], dtype=np.int64)
    results = [
        (f"churn_scores (served: {served[0][0]})", auc_or_none(labels, np.array([r[3] for r in rows]))),
        ("days since the last purchase", auc_or_none(labels, np.array([r[2] for r in rows], dtype=float))),
    ]
    by_model: dict[str, dict[str, float]] = {}
    for model_name, user_key, probability in candidates:
        by_model.setdefault(model_name, {})[user_key] = probability
    for model_name, scores in sorted(by_model.items()):
        results.append((model_name, auc_or_none(labels, np.array([scores[k] for k in keys]))))
    print(f"as_of_date {as_of}, horizon {horizon} days, {len(rows):,} people, churn rate {labels.mean():.3f}")
    return results


def main() -> None:
    """Print the check as a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-db", type=Path, required=True)
    parser.add_argument(
        "--horizon", type=int, default=90, help="churn_horizon_days of the build (default 90)"
    )
    args = parser.parse_args()
    results = check(args.build_db, args.horizon)
    print("| ranking | ROC AUC on the next horizon |\n|---|---|")
    for name, auc in results:
        print(f"| {name} | {'' if auc is None else f'{auc:.4f}'} |")


if __name__ == "__main__":
    main()
