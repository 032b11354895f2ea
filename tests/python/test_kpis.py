"""KPIs recomputed independently with pandas from clean_events on the demo build."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import DbtRunner

pytestmark = pytest.mark.dbt


def frame(runner: DbtRunner, sql: str) -> pd.DataFrame:
    """A query on the build file as a frame."""
    con = duckdb.connect(str(runner.db_path), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


@pytest.fixture(scope="module")
def events(shared_build: tuple[DbtRunner, Path]) -> pd.DataFrame:
    """Clean events of the demo build (as_of_date is the latest event date there)."""
    runner, _ = shared_build
    columns = "user_key, event_type, order_id, channel, revenue, event_date"
    return frame(runner, f"select {columns} from marts.clean_events")


def test_daily_kpis_for_all_channels(shared_build: tuple[DbtRunner, Path], events: pd.DataFrame) -> None:
    runner, _ = shared_build
    kpis = frame(runner, "select * from marts.kpi_daily where channel = 'all'").set_index("kpi_date")
    days = pd.date_range(events["event_date"].min(), events["event_date"].max(), freq="D")
    assert len(kpis) == len(days)  # the spine: one row per day, activity or not
    by_day = events.groupby("event_date")
    active = by_day["user_key"].nunique()
    buyers = events[events["event_type"] == "purchase"].groupby("event_date")["user_key"].nunique()
    viewers = events[events["event_type"] == "view"].groupby("event_date")["user_key"].nunique()
    both = (
        events[events["event_type"].isin(["view", "purchase"])]
        .groupby(["event_date", "user_key"])["event_type"]
        .nunique()
        .eq(2)
        .groupby("event_date")
        .sum()
    )
    for day in list(active.index[::17]):
        row = kpis.loc[day]
        assert row["active_users"] == active[day]
        assert row["buyers"] == buyers.get(day, 0)
        assert row["viewers"] == viewers.get(day, 0)
        expected_rate = both.get(day, 0) / viewers[day] if viewers.get(day, 0) else 0.0
        assert row["view_to_purchase_rate"] == pytest.approx(expected_rate)


def test_funnel_is_monotone_and_counts_weekly_people(
    shared_build: tuple[DbtRunner, Path], events: pd.DataFrame
) -> None:
    runner, _ = shared_build
    funnel = frame(runner, "select * from marts.conversion_funnel where channel = 'all'")
    weeks = events.assign(week=pd.to_datetime(events["event_date"]).dt.to_period("W-SUN").dt.start_time)
    flags = weeks.pivot_table(index=["week", "user_key"], columns="event_type", values="revenue",
                              aggfunc="size", fill_value=0) > 0  # fmt: skip
    expected = flags.groupby("week").apply(
        lambda g: pd.Series(
            {"viewers": g["view"].sum(), "carters": (g["view"] & g["add_to_cart"]).sum(),
             "purchasers": (g["view"] & g["add_to_cart"] & g["purchase"]).sum()}
        )
    )  # fmt: skip
    got = funnel.set_index(pd.to_datetime(funnel["week_start"]))[["viewers", "carters", "purchasers"]]
    pd.testing.assert_frame_equal(
        got.loc[expected.index].astype("int64"), expected.astype("int64"), check_names=False
    )


def test_cohort_retention(shared_build: tuple[DbtRunner, Path], events: pd.DataFrame) -> None:
    runner, _ = shared_build
    purchases = events[events["event_type"] == "purchase"].assign(
        month=pd.to_datetime(events["event_date"]).dt.to_period("M")
    )
    first = purchases.groupby("user_key")["month"].min().rename("cohort")
    active = purchases[["user_key", "month"]].drop_duplicates().join(first, on="user_key")
    active["since"] = (active["month"] - active["cohort"]).apply(lambda offset: offset.n)
    expected = active.groupby(["cohort", "since"]).size()
    table = frame(runner, "select * from marts.cohort_retention")
    table["cohort"] = pd.to_datetime(table["cohort_month"]).dt.to_period("M")
    got = table.set_index(["cohort", "months_since_first_purchase"])["active_buyers"]
    assert got[got > 0].sort_index().to_dict() == expected.sort_index().to_dict()
    sizes = table.groupby("cohort")["cohort_size"].first()
    assert sizes.to_dict() == first.value_counts().to_dict()
    # the spine: each cohort has a row for every month up to the as_of month
    last = purchases["month"].max()
    assert (table.groupby("cohort").size() == [(last - c).n + 1 for c in sizes.index]).all()
