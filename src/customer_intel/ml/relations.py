"""The warehouse side of the dbt Python models, on either engine: reading what `dbt.ref()` gives
and handing a frame back.

`dbt.ref()` returns a DuckDB relation on DuckDB (dbt-duckdb) and a pyspark DataFrame on Spark
(dbt-spark); the package never calls either API directly but goes through these few functions,
each taking the engine's relation: select (SQL expressions), where (a SQL condition), order_by,
distinct, aggregate, semi_join / anti_join, and the pulls to pandas / NumPy. They keep the work in
the warehouse, so only the bounded data each model documents crosses to Python, and every pull
the results depend on is ordered in the warehouse, so both engines hand pandas the same rows in
the same order. The SQL text given to them is the subset both engines read alike (no `::`, no
double-quoted identifiers: column names go through `quote_identifier`).

The engine is told by the type of the relation or session (a pyspark module means Spark), never
by attributes: a relation of either engine turns an unknown attribute into a column.

Spark has no pyarrow here, so both directions go row by row: `spark_frame` builds the frame
DuckDB's `.df()` would give from collected rows (decimals as float64, dates as datetime64,
integer and boolean columns nullable only when they hold a NULL), `spark_arrays` the arrays of
DuckDB's `.fetchnumpy()` (masked where NULL), and `spark_schema` /
`spark_rows` turn a result frame into rows and an explicit schema (NaN as NULL, as DuckDB
reads a frame; the date columns as DATE).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

Engine = Literal["duckdb", "spark"]

# the name the right side's key takes in semi_join / anti_join (never a column of ours)
RIGHT_KEY = "__right_key"


def engine_of(thing: Any) -> Engine:
    """`spark` for a pyspark object (DataFrame, SparkSession), by the module of its type;
    `duckdb` for anything else: DuckDB relations and connections, and the cursor wrapper
    dbt-duckdb hands a Python model as its session (it has the connection's API)."""
    for cls in type(thing).__mro__:
        module = cls.__module__ or ""
        if module == "pyspark" or module.startswith("pyspark."):
            return "spark"
    return "duckdb"


def quote_identifier(name: str, engine: Engine = "duckdb") -> str:
    """`name` as a quoted SQL identifier of `engine`: double quotes on DuckDB, backticks on
    Spark (embedded quote characters doubled)."""
    if engine == "spark":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def column_names(relation: Any) -> list[str]:
    """The column names of `relation`, in order."""
    return list(relation.columns)


def select(relation: Any, expressions: Sequence[str]) -> Any:
    """`relation` projected on the SQL `expressions` (column names, or expressions with
    `as` aliases), in order."""
    if not expressions:
        raise ValueError("select needs at least one expression")
    if engine_of(relation) == "spark":
        return relation.selectExpr(*expressions)
    return relation.project(", ".join(expressions))


def where(relation: Any, condition: str) -> Any:
    """The rows of `relation` for which the SQL `condition` is true."""
    return relation.filter(condition)


def order_by(relation: Any, columns: Sequence[str]) -> Any:
    """`relation` sorted by `columns` (names), ascending, NULLs last on both engines."""
    if not columns:
        raise ValueError("order_by needs at least one column")
    engine = engine_of(relation)
    if engine == "spark":
        from pyspark.sql import functions as F

        return relation.orderBy(*(F.col(quote_identifier(c, engine)).asc_nulls_last() for c in columns))
    return relation.order(", ".join(f"{quote_identifier(c, engine)} asc nulls last" for c in columns))


def distinct(relation: Any) -> Any:
    """The distinct rows of `relation`."""
    return relation.distinct()


def aggregate(relation: Any, keys: Sequence[str], aggregates: Sequence[str]) -> Any:
    """One row per distinct `keys` (column names) of `relation`: the keys, then the SQL
    `aggregates` (each with an `as` alias, e.g. `count(*) as customers`)."""
    engine = engine_of(relation)
    if engine == "spark":
        from pyspark.sql import functions as F

        return relation.groupBy(*keys).agg(*(F.expr(a) for a in aggregates))
    quoted = [quote_identifier(k, engine) for k in keys]
    return relation.aggregate(", ".join([*quoted, *aggregates]), ", ".join(quoted))


def keyed_join(relation: Any, other: Any, left_column: str, right_column: str, how: str) -> Any:
    """`relation` semi- (`how="semi"`) or anti-joined (`"anti"`) with `other` on
    relation.left_column = other.right_column; the columns of `relation` only."""
    if how not in ("semi", "anti"):
        raise ValueError(f"keyed_join: how must be semi or anti, got {how!r}")
    engine = engine_of(relation)
    right = select(other, [f"{quote_identifier(right_column, engine)} as {RIGHT_KEY}"])
    if engine == "spark":
        from pyspark.sql import functions as F

        condition = F.col(quote_identifier(left_column, engine)) == right[RIGHT_KEY]
        return relation.join(right, condition, "left_" + how)
    return relation.join(right, f"{quote_identifier(left_column, engine)} = {RIGHT_KEY}", how=how)


def semi_join(relation: Any, other: Any, left_column: str, right_column: str) -> Any:
    """The rows of `relation` whose `left_column` equals `right_column` of some row of `other`."""
    return keyed_join(relation, other, left_column, right_column, "semi")


def anti_join(relation: Any, other: Any, left_column: str, right_column: str) -> Any:
    """The rows of `relation` whose `left_column` equals `right_column` of no row of `other`
    (a NULL key matches nothing, so its row stays)."""
    return keyed_join(relation, other, left_column, right_column, "anti")


def present_columns(relation: Any, columns: Iterable[str]) -> Any:
    """`relation` projected on those of `columns` it has, in the given order (duplicates
    once). A missing column is left out rather than failing in the warehouse, so the pure
    function that reads the frame reports it with its own clear message."""
    have = set(column_names(relation))
    wanted = [c for c in dict.fromkeys(columns) if c in have]
    if not wanted:
        raise ValueError(f"none of the columns {list(columns)} is in the relation ({column_names(relation)})")
    engine = engine_of(relation)
    return select(relation, [quote_identifier(c, engine) for c in wanted])


def to_pandas(relation: Any) -> pd.DataFrame:
    """`relation` as a pandas frame with DuckDB's `.df()` types (on Spark: `spark_frame` of the
    collected rows). Pull only bounded relations (selected, filtered, aggregated)."""
    if engine_of(relation) == "spark":
        fields = [(f.name, f.dataType.simpleString()) for f in relation.schema.fields]
        return spark_frame(fields, relation.collect())
    return relation.df()


def to_numpy(relation: Any) -> dict[str, np.ndarray]:
    """The columns of `relation` as NumPy arrays by name (DuckDB's `.fetchnumpy()`; on Spark
    `spark_arrays` of the collected rows)."""
    if engine_of(relation) == "spark":
        fields = [(f.name, f.dataType.simpleString()) for f in relation.schema.fields]
        return spark_arrays(fields, relation.collect())
    return relation.fetchnumpy()


def to_engine(session: Any, frame: pd.DataFrame, date_columns: Iterable[str] = ()) -> Any:
    """The result `frame` of a Python model, ready for dbt to write with the engine of
    `session`, its `date_columns` typed DATE (pandas has no date type: a datetime64 column
    would land as a timestamp, and an all-None column of `datetime.date` objects as DuckDB's
    NULL type, which nothing downstream can cast). The date columns must hold datetime64
    values (NaT allowed).

    DuckDB: the frame itself when there are no date columns (dbt-duckdb reads it), else a
    relation of `session` with the casts. Spark: a DataFrame built row by row with an explicit
    schema (`spark_schema`, `spark_rows`)."""
    dates = list(dict.fromkeys(date_columns))
    if engine_of(session) == "spark":
        return session.createDataFrame(spark_rows(frame, dates), schema=spark_schema(frame, dates))
    if not dates:
        return frame
    relation = session.from_df(frame)
    replaced = ", ".join(f"cast({quote_identifier(c)} as date) as {quote_identifier(c)}" for c in dates)
    return relation.project(f"* replace ({replaced})")


# --- Spark rows <-> pandas, pure (no pyspark needed) ---------------------------------------

SPARK_INTEGER_DTYPES = {"tinyint": "int8", "smallint": "int16", "int": "int32", "bigint": "int64"}


def spark_column(values: list[Any], spark_type: str) -> pd.Series:
    """One column of collected Spark values as DuckDB's `.df()` would type it: integers and
    booleans as NumPy dtypes, or pandas' nullable ones when a value is NULL; float, double
    and decimal as float64 (NULL as NaN); date and timestamps as datetime64[us] (NaT);
    strings as pandas' default text dtype; anything else as objects."""
    has_null = any(v is None for v in values)
    if spark_type in SPARK_INTEGER_DTYPES:
        dtype = SPARK_INTEGER_DTYPES[spark_type]
        return pd.Series(values, dtype=dtype.capitalize() if has_null else dtype)
    if spark_type == "boolean":
        return pd.Series(values, dtype="boolean" if has_null else "bool")
    if spark_type in ("float", "double") or spark_type.startswith("decimal"):
        return pd.Series([math.nan if v is None else float(v) for v in values], dtype="float64")
    if spark_type in ("date", "timestamp", "timestamp_ntz"):
        return pd.Series(pd.to_datetime(values), dtype="datetime64[us]")
    if spark_type == "string":
        return pd.Series(values, dtype="str" if values else object)
    return pd.Series(values, dtype=object)


def spark_frame(fields: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """A frame from collected Spark rows: `fields` are (name, Spark simpleString type) in
    order, each row a sequence of values in that order (see `spark_column`)."""
    columns = {name: spark_column([row[i] for row in rows], kind) for i, (name, kind) in enumerate(fields)}
    return pd.DataFrame(columns, columns=[name for name, _ in fields])


SPARK_NUMPY_DTYPES = {
    **SPARK_INTEGER_DTYPES,
    "boolean": "bool",
    "float": "float32",
    "double": "float64",
    "date": "datetime64[us]",
    "timestamp": "datetime64[us]",
    "timestamp_ntz": "datetime64[us]",
}


def spark_array(values: list[Any], spark_type: str) -> np.ndarray:
    """One column of collected Spark values as DuckDB's `.fetchnumpy()` gives it: numbers,
    booleans and dates as NumPy dtypes (decimals as float64), masked where NULL when a value is
    NULL; text and anything else as objects (None for NULL)."""
    dtype = SPARK_NUMPY_DTYPES.get(spark_type, "float64" if spark_type.startswith("decimal") else None)
    if dtype is None:
        return np.array(values, dtype=object)
    mask = np.array([v is None for v in values], dtype=bool)
    if dtype.startswith("datetime64"):
        filled = np.array([np.datetime64("NaT") if v is None else np.datetime64(v, "us") for v in values])
        data = filled.astype(dtype) if len(values) else np.zeros(0, dtype=dtype)
    else:
        fill: Any = False if dtype == "bool" else 0
        data = (
            np.array([fill if v is None else v for v in values]).astype(dtype)
            if len(values)
            else np.zeros(0, dtype)
        )
    return np.ma.masked_array(data, mask=mask) if mask.any() else data


def spark_arrays(fields: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> dict[str, np.ndarray]:
    """NumPy arrays by name from collected Spark rows (`fields`: (name, Spark simpleString
    type) in order; see `spark_array`)."""
    return {name: spark_array([row[i] for row in rows], kind) for i, (name, kind) in enumerate(fields)}


def spark_type_of(series: pd.Series, is_date: bool) -> str:
    """The Spark SQL type a result column is written as: integers by width, floats as
    float/double, booleans, datetime64 as date (the date columns) or timestamp_ntz (DuckDB's
    TIMESTAMP), text as string; a TypeError for anything else."""
    dtype = series.dtype
    if is_date:
        if pd.api.types.is_datetime64_any_dtype(dtype) or series.isna().all():
            return "date"
        raise TypeError(f"date column {series.name!r} must hold datetime64 values, got {dtype}")
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        widths = {1: "tinyint", 2: "smallint", 4: "int", 8: "bigint"}
        if pd.api.types.is_unsigned_integer_dtype(dtype) or dtype.itemsize not in widths:
            raise TypeError(f"column {series.name!r}: unsupported integer type {dtype}")
        return widths[dtype.itemsize]
    if pd.api.types.is_float_dtype(dtype):
        return "float" if dtype.itemsize == 4 else "double"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "timestamp_ntz"
    if (dtype == np.dtype(object) or pd.api.types.is_string_dtype(dtype)) and all(
        isinstance(v, str) for v in series.dropna()
    ):
        return "string"
    raise TypeError(f"column {series.name!r}: no Spark type for {dtype}")


def spark_schema(frame: pd.DataFrame, date_columns: Iterable[str] = ()) -> str:
    """The Spark DDL schema (`a bigint, b string, ...`) of a result frame (`spark_type_of`)."""
    dates = set(date_columns)
    missing = dates - set(frame.columns)
    if missing:
        raise ValueError(f"date columns not in the frame: {sorted(missing)}")
    return ", ".join(
        f"{quote_identifier(str(c), 'spark')} {spark_type_of(frame[c], c in dates)}" for c in frame.columns
    )


def spark_value(value: Any, spark_type: str) -> Any:
    """One value as the Python object Spark expects for `spark_type`: None for NULL, NaN and
    NaT (DuckDB reads a frame's NaN as NULL), `datetime.date` for dates, naive `datetime` for
    timestamps, plain int / float / bool / str otherwise."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and math.isnan(value):
        return None
    if spark_type == "date":
        return pd.Timestamp(value).date()
    if spark_type == "timestamp_ntz":
        return pd.Timestamp(value).to_pydatetime()
    if spark_type == "boolean":
        return bool(value)
    if spark_type in ("tinyint", "smallint", "int", "bigint"):
        return int(value)
    if spark_type in ("float", "double"):
        return float(value)
    return str(value) if spark_type == "string" else value


def spark_rows(frame: pd.DataFrame, date_columns: Iterable[str] = ()) -> list[tuple[Any, ...]]:
    """The rows of a result frame as tuples of plain Python values for `spark_schema`."""
    dates = set(date_columns)
    kinds = [spark_type_of(frame[c], c in dates) for c in frame.columns]
    columns = [
        [spark_value(v, kind) for v in frame[c].astype(object).tolist()]
        for c, kind in zip(frame.columns, kinds, strict=True)
    ]
    return list(zip(*columns, strict=True)) if columns else []
