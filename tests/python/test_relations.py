"""The engine-neutral accessors of customer_intel.ml.relations on DuckDB, and the pure Spark
conversions (rows <-> pandas). pyspark is not installed in this environment: the Spark branches
run only in the Spark check (`make spark-check`), which compares every Python model's Spark
output with the DuckDB build."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd
import pytest

from customer_intel.ml.relations import (
    aggregate,
    anti_join,
    column_names,
    distinct,
    engine_of,
    order_by,
    present_columns,
    quote_identifier,
    select,
    semi_join,
    spark_arrays,
    spark_frame,
    spark_rows,
    spark_schema,
    to_engine,
    to_numpy,
    to_pandas,
    where,
)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    try:
        yield connection
    finally:
        connection.close()


def people(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
    """Four rows, one NULL key, out of order."""
    return con.sql(
        "select * from (values ('b', 2, 1.5), ('a', 1, 0.5), (null, 3, 2.0), ('c', 1, null)) "
        "as t(user_key, n, w)"
    )


def test_engine_is_told_by_type_not_attributes(con: duckdb.DuckDBPyConnection) -> None:
    assert engine_of(people(con)) == "duckdb"
    assert engine_of(con) == "duckdb"
    # dbt-duckdb's session is a cursor wrapper: anything not pyspark is DuckDB
    assert engine_of(object()) == "duckdb"
    fake_spark = type("DataFrame", (), {"__module__": "pyspark.sql.classic.dataframe"})()
    assert engine_of(fake_spark) == "spark"


def test_quote_identifier_per_engine() -> None:
    assert quote_identifier('a"b') == '"a""b"'
    assert quote_identifier("a`b", "spark") == "`a``b`"


def test_select_where_order_pull(con: duckdb.DuckDBPyConnection) -> None:
    rel = order_by(where(select(people(con), ["user_key", "n * 2 as n2"]), "n2 >= 2"), ["user_key"])
    frame = to_pandas(rel)
    assert column_names(rel) == ["user_key", "n2"]
    # ascending, NULLs last (the same on Spark: order_by says so explicitly)
    assert frame["user_key"].tolist()[:3] == ["a", "b", "c"] and pd.isna(frame["user_key"].iloc[3])
    assert frame["n2"].tolist() == [2, 4, 2, 6]
    arrays = to_numpy(order_by(select(people(con), ["n", "user_key"]), ["n", "user_key"]))
    assert list(arrays) == ["n", "user_key"]
    assert np.asarray(arrays["n"]).tolist() == [1, 1, 2, 3]
    assert np.asarray(arrays["user_key"]).tolist() == ["a", "c", "b", None]


def test_distinct_and_aggregate(con: duckdb.DuckDBPyConnection) -> None:
    assert to_pandas(order_by(distinct(select(people(con), ["n"])), ["n"]))["n"].tolist() == [1, 2, 3]
    grouped = order_by(aggregate(people(con), ["n"], ["count(*) as rows_", "sum(w) as w"]), ["n"])
    frame = to_pandas(grouped)
    assert list(frame.columns) == ["n", "rows_", "w"]
    assert frame["rows_"].tolist() == [2, 1, 1]
    assert frame["w"].tolist() == [0.5, 1.5, 2.0]


def test_semi_and_anti_join_keep_the_left_columns(con: duckdb.DuckDBPyConnection) -> None:
    # the right side has a column of the same name as the left key: no ambiguity
    keys = con.sql("select * from (values ('a', 1), ('b', 1), ('a', 2)) as t(user_key, extra)")
    semi = to_pandas(order_by(semi_join(people(con), keys, "user_key", "user_key"), ["user_key"]))
    assert list(semi.columns) == ["user_key", "n", "w"]
    assert semi["user_key"].tolist() == ["a", "b"]  # once each, though 'a' matches twice
    anti = to_pandas(order_by(anti_join(people(con), keys, "user_key", "user_key"), ["user_key"]))
    # the NULL key matches nothing, so its row stays
    assert anti["user_key"].tolist()[0] == "c" and pd.isna(anti["user_key"].iloc[1])


def test_present_columns_leaves_missing_ones_out(con: duckdb.DuckDBPyConnection) -> None:
    assert column_names(present_columns(people(con), ["w", "zz", "user_key", "w"])) == ["w", "user_key"]
    with pytest.raises(ValueError, match="none of the columns"):
        present_columns(people(con), ["zz"])


def test_to_engine_on_duckdb(con: duckdb.DuckDBPyConnection) -> None:
    frame = pd.DataFrame({"d": pd.to_datetime(["2026-01-02", None]), "x": [1.0, np.nan]})
    # without date columns the frame goes back as it is (dbt-duckdb reads it)
    assert to_engine(con, frame) is frame
    relation = to_engine(con, frame, ["d"])
    assert [str(t) for t in relation.types] == ["DATE", "DOUBLE"]
    assert relation.fetchall() == [(dt.date(2026, 1, 2), 1.0), (None, None)]


SAMPLE_FIELDS = [
    ("s", "string"),
    ("d", "date"),
    ("dec", "decimal(18,4)"),
    ("i", "int"),
    ("b", "bigint"),
    ("f", "boolean"),
    ("x", "double"),
    ("ts", "timestamp_ntz"),
    ("i2", "int"),
]
# the same two rows as collected from Spark and as a DuckDB query
SAMPLE_ROWS = [
    ("a", dt.date(2024, 1, 2), Decimal("1.5000"), 3, 4, True, 2.5, dt.datetime(2024, 1, 1, 10), 7),
    ("b", None, None, None, None, None, None, None, 8),
]
SAMPLE_SQL = (
    "select * from (values "
    "('a', date '2024-01-02', 1.5::decimal(18,4), 3, 4::bigint, true, 2.5::double, "
    "timestamp '2024-01-01 10:00:00', 7), "
    "('b', null, null, null, null, null, null, null, 8)) as t(s, d, dec, i, b, f, x, ts, i2)"
)


def test_spark_arrays_like_duckdb_fetchnumpy(con: duckdb.DuckDBPyConnection) -> None:
    got = spark_arrays(SAMPLE_FIELDS, SAMPLE_ROWS)
    expected = con.sql(SAMPLE_SQL).fetchnumpy()
    assert list(got) == list(expected)
    for name, want in expected.items():
        have = got[name]
        assert have.dtype == want.dtype, name
        assert np.ma.isMaskedArray(have) == np.ma.isMaskedArray(want), name
        assert np.array_equal(np.ma.getmaskarray(have), np.ma.getmaskarray(want)), name
        # NULL as None on both (masked entries), the rest equal
        assert np.ma.asarray(have).tolist() == np.ma.asarray(want).tolist(), name
    assert got["s"].tolist() == ["a", "b"]
    empty = spark_arrays([("n", "bigint"), ("s", "string")], [])
    assert empty["n"].dtype == np.int64 and len(empty["s"]) == 0


def test_spark_frame_types_like_duckdb_df(con: duckdb.DuckDBPyConnection) -> None:
    """Collected Spark rows become the frame DuckDB's .df() gives for the same table."""
    got = spark_frame(SAMPLE_FIELDS, SAMPLE_ROWS)
    expected = con.sql(SAMPLE_SQL).df()
    assert got.dtypes.astype(str).tolist() == expected.dtypes.astype(str).tolist()
    pd.testing.assert_frame_equal(got, expected)
    empty = spark_frame([("s", "string"), ("n", "bigint")], [])
    assert list(empty.columns) == ["s", "n"] and len(empty) == 0


def test_spark_schema_and_rows_of_a_result_frame() -> None:
    frame = pd.DataFrame(
        {
            "role": pd.Series(["a", None], dtype="string"),
            "k": np.array([1, 2], dtype=np.int64),
            "k32": np.array([1, 2], dtype=np.int32),
            "x": [0.5, np.nan],
            "flag": [True, False],
            "day": pd.to_datetime(["2026-01-02", None]),
            "at": pd.to_datetime(["2026-01-02 03:04:05", None]),
            "none_text": [None, None],
            "odd name": ["p", "q"],
        }
    )
    assert spark_schema(frame, ["day"]) == (
        "`role` string, `k` bigint, `k32` int, `x` double, `flag` boolean, `day` date, "
        "`at` timestamp_ntz, `none_text` string, `odd name` string"
    )
    rows = spark_rows(frame, ["day"])
    assert rows == [
        ("a", 1, 1, 0.5, True, dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 3, 4, 5), None, "p"),
        # NaN, NaT and NA are NULL, as DuckDB reads a frame
        (None, 2, 2, None, False, None, None, None, "q"),
    ]
    assert all(type(v) in (str, int, float, bool, dt.date, dt.datetime, type(None)) for r in rows for v in r)
    with pytest.raises(ValueError, match="date columns not in the frame"):
        spark_schema(frame, ["nope"])
    with pytest.raises(TypeError, match="no Spark type"):
        spark_schema(pd.DataFrame({"o": [object()]}))


# DuckDB's type of a frame column -> the Spark type spark_schema gives it
DUCKDB_TO_SPARK = {
    "TINYINT": "tinyint",
    "SMALLINT": "smallint",
    "INTEGER": "int",
    "BIGINT": "bigint",
    "FLOAT": "float",
    "DOUBLE": "double",
    "BOOLEAN": "boolean",
    "VARCHAR": "string",
    "DATE": "date",
    "TIMESTAMP": "timestamp_ntz",
}


def package_results(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[pd.DataFrame, list[str]]]:
    """Result frames of the package's Python models, degenerate ones included (no rows, no
    training people), with their date columns."""
    from customer_intel.ml.churn import DATE_COLUMNS, ChurnConfig, churn_model_table
    from customer_intel.ml.churn_tree import TreeConfig, churn_tree_table
    from customer_intel.ml.clv import clv_model_table, spend_frame, summary_frame
    from customer_intel.ml.factorization import FactorizationConfig, item_factors_table
    from customer_intel.ml.recommend import NeighborConfig, item_neighbors_table
    from customer_intel.ml.segmentation import K_SELECTION_EMPTY, SEGMENT_MODEL_EMPTY

    rng = np.random.default_rng(0)
    n = 60
    churn = pd.DataFrame(
        {
            "snapshot_role": np.where(np.arange(n) % 2, "train", "serving_train"),
            "snapshot_date": pd.Timestamp("2026-01-01"),
            "user_key": [f"u{i:03d}" for i in range(n)],
            "a": rng.normal(size=n),
            "log1p_recency_days": rng.random(n),
            "is_churned": rng.random(n) < 0.5,
        }
    )
    base = con.sql(
        "select 'current' as snapshot_role, date '2026-01-01' as calibration_end_date, "
        "'u' as user_key, 1::bigint as frequency, 1 as recency_days, 2 as age_days, "
        "1.0::double as repeat_transaction_value limit 0"
    )
    pairs = [(f"u{u}", f"i{(u + j) % 5}", 1.0 + j) for u in range(8) for j in range(3)]
    person_items = con.sql(
        "select 'current' as snapshot_role, 0::bigint as user_index, 0::bigint as item_index, "
        "1.0::double as interaction_weight, true as is_bought limit 0"
    )
    items = pd.DataFrame({"item_id": ["a"], "item_index": [0], "is_recommendable": [True]})
    dates, clv_dates = list(DATE_COLUMNS), ["calibration_end_date"]
    linear, tree = ChurnConfig(features=("a",)), TreeConfig(features=("a",))
    columns = ["user_key", "item_id", "interaction_weight"]
    return {
        "churn_model": (churn_model_table(churn, linear), dates),
        "churn_model_empty": (churn_model_table(churn.head(0), linear), dates),
        "churn_tree": (churn_tree_table(churn, tree), dates),
        "churn_tree_empty": (churn_tree_table(churn.head(0), tree), dates),
        "clv_model_empty": (clv_model_table(summary_frame(base), spend_frame(base), 10), clv_dates),
        "item_neighbors": (
            item_neighbors_table(pd.DataFrame(pairs, columns=columns), NeighborConfig(min_co_users=1)),
            [],
        ),
        "item_neighbors_empty": (
            item_neighbors_table(pd.DataFrame(pairs[:1], columns=columns), NeighborConfig()),
            [],
        ),
        "item_factors_empty": (item_factors_table(person_items, items, FactorizationConfig()), []),
        "segment_k_selection_empty": (K_SELECTION_EMPTY.copy(), []),
        "segment_model_empty": (SEGMENT_MODEL_EMPTY.copy(), []),
    }


def test_spark_schema_gives_every_result_the_types_duckdb_gives_it(con: duckdb.DuckDBPyConnection) -> None:
    """Whatever a Python model returns, Spark stores the column types DuckDB stores (rows or
    none, dates as DATE, all-NULL text as string), and every row converts."""
    for name, (frame, dates) in package_results(con).items():
        relation = to_engine(con, frame, dates) if dates else con.from_df(frame)
        duck = [DUCKDB_TO_SPARK[str(t)] for t in relation.types]
        spark = [part.rsplit(" ", 1)[1] for part in spark_schema(frame, dates).split(", ")]
        assert spark == duck, name
        assert len(spark_rows(frame, dates)) == len(frame), name
        assert name.endswith("_empty") or len(frame), name
