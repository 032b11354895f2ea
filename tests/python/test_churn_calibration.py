"""Out-of-time calibration of the served churn probabilities when the churn process does not
change between the backtest's snapshots, and the planted change that breaks it on the default
demo data.

The backtest fits on the snapshot as_of - 2H and is judged at as_of - H
(`churn_evaluation_deciles`). On the demo generator's 730-day data every `lapsing` customer has
stopped before the training snapshot, so the same kinds of customers churn at the same rates at
both snapshots: the champion's deciles must then agree with what happened within the sampling
noise the table reports. On the default 365-day data the `lapsing` customers all stop between
the two snapshots (the generator ends their lives by 0.75 of its window, the evaluation
snapshot): labels from the training snapshot cannot know that, and the table must flag it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from conftest import MODELS_ONLY, DbtRunner
from customer_intel.devtools.demo_data.config import GeneratorConfig
from customer_intel.devtools.demo_data.generate import generate as generate_demo

# a decile's noise band is a 95% interval: with 10 deciles of a calibrated model, 3 or more
# outside it happen about 1% of the time (binomial, p = 0.05), and none lies 2 bands away
MAX_DECILES_OUTSIDE_BAND = 2
MAX_GAP_IN_BANDS = 2.0
STABLE_DAYS = 730


def snapshot_dates(runner: DbtRunner) -> tuple[str, str]:
    """The backtest's training and evaluation snapshot dates, as churn_evaluation names them."""
    training, evaluation = runner.query(
        "select distinct cast(backtest_training_snapshot_date as varchar), "
        "cast(evaluation_snapshot_date as varchar) from marts.churn_evaluation"
    )[0]
    return training, evaluation


def lapsing_alive(raw: Path, dates: tuple[str, ...]) -> list[int]:
    """How many of the generator's planted `lapsing` customers are still active after each date."""
    with duckdb.connect() as con:
        counts = ", ".join("count(*) filter (where churned_at > cast(? as timestamp))" for _ in dates)
        row = con.execute(
            f"select {counts} from read_parquet(?) where archetype = 'lapsing'",
            [*dates, str(raw / "_truth" / "users.parquet")],
        ).fetchone()
    return list(row)


def champion_deciles(runner: DbtRunner) -> list[tuple[int, float, float, bool]]:
    """(decile, calibration gap, noise band, within band) of the champion's backtest deciles."""
    return runner.query(
        """
        select decile, calibration_gap, calibration_noise_band, is_within_noise_band
        from marts.churn_evaluation_deciles
        order by decile
        """
    )


@pytest.mark.dbt
def test_champion_is_calibrated_out_of_time_when_churn_does_not_change(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    generate_demo(GeneratorConfig(days=STABLE_DAYS), raw)
    runner = DbtRunner(tmp_path / "build")
    result = runner.run(
        "build", "--select", "+churn_evaluation_deciles", *MODELS_ONLY, dbt_vars={"raw_data_path": str(raw)}
    )
    assert result.returncode == 0, result.output[-4000:]
    training, _ = snapshot_dates(runner)
    # the premise: no lapsing customer is still active at the training snapshot
    assert lapsing_alive(raw, (training,)) == [0]
    deciles = champion_deciles(runner)
    assert len(deciles) == 10
    outside = [d for d in deciles if not d[3]]
    assert len(outside) <= MAX_DECILES_OUTSIDE_BAND, deciles
    assert all(abs(gap) <= MAX_GAP_IN_BANDS * band + 1e-12 for _, gap, band, _ in deciles), deciles


@pytest.mark.dbt
def test_planted_change_between_the_snapshots_is_flagged_on_the_default_demo(
    shared_build: tuple[DbtRunner, Path],
) -> None:
    runner, raw = shared_build
    # every lapsing customer active at the training snapshot stops before the evaluation one
    at_training, at_evaluation = lapsing_alive(raw, snapshot_dates(runner))
    assert at_training > 0 and at_evaluation == 0
    deciles = champion_deciles(runner)
    assert sum(not d[3] for d in deciles) > MAX_DECILES_OUTSIDE_BAND, deciles
