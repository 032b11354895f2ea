"""Writing the contract files (items, users, events, assignments) and the ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from customer_intel.devtools.demo_data.catalog import AFFINITY, CATEGORIES
from customer_intel.devtools.demo_data.config import (
    ACQUISITION_CHANNELS,
    ARCHETYPES,
    CHANNELS,
    CITIES,
    DEFECT_KINDS,
    EVENT_TYPES,
    GeneratorConfig,
)
from customer_intel.devtools.demo_data.experiment import (
    EXPERIMENT_EFFECT_DAYS,
    EXPERIMENT_ID,
    EXPERIMENT_UPLIFT,
)


def lookup_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Small dimension tables used to turn numeric codes into contract strings."""
    con.execute("create table event_types as select * from (values "
                + ", ".join(f"({i}, '{t}')" for i, t in enumerate(EVENT_TYPES))
                + ") v(event_type_idx, event_type)")  # fmt: skip
    con.execute("create table channels as select * from (values "
                + ", ".join(f"({i}, '{c}')" for i, c in enumerate(CHANNELS))
                + ") v(channel_idx, channel)")  # fmt: skip


def write_assignments(con: duckdb.DuckDBPyConnection, cfg: GeneratorConfig, out: Path) -> None:
    """Write experiment_assignments.parquet (the optional contract file) from the plan."""
    con.execute(
        f"""
        copy (
            select
                printf('U%07d', user_num) as user_id,
                '{EXPERIMENT_ID}' as experiment_id,
                case when treated then 'treatment' else 'control' end as variant,
                to_timestamp({cfg.start_epoch} + floor(assigned_offset))::timestamp as assigned_at
            from sim_assignments
            order by user_num
        ) to '{out / "experiment_assignments.parquet"}' (format parquet)
        """
    )


def write_items(con: duckdb.DuckDBPyConnection, out: Path) -> None:
    """Write items.parquet from the simulated catalog."""
    names = list(CATEGORIES)
    cat_values = ", ".join(
        f"({i}, '{n}', '{CATEGORIES[n][1][0]}', '{CATEGORIES[n][1][1]}')" for i, n in enumerate(names)
    )
    con.execute(
        f"create table categories as select * from (values {cat_values}) "
        "v(category_idx, category, brand_a, brand_b)"
    )
    con.execute(
        f"""
        copy (
            select
                printf('I%05d', i.item_idx) as item_id,
                c.category || ' item ' || printf('%05d', i.item_idx) as item_name,
                c.category,
                case when i.brand_pick = 0 then c.brand_a else c.brand_b end as brand,
                cast(i.list_price as decimal(18, 2)) as list_price
            from sim_items as i
            join categories as c using (category_idx)
            order by i.item_idx
        ) to '{out / "items.parquet"}' (format parquet)
        """
    )


def write_users(con: duckdb.DuckDBPyConnection, cfg: GeneratorConfig, out: Path) -> None:
    """Write users.parquet (with fake, clearly synthetic PII) from the simulated users."""
    cities = ", ".join(f"({i}, '{c.replace(chr(39), chr(39) * 2)}')" for i, c in enumerate(CITIES))
    acq = ", ".join(f"({i}, '{c}')" for i, c in enumerate(ACQUISITION_CHANNELS))
    con.execute(
        f"""
        copy (
            select
                printf('U%07d', u.user_num) as user_id,
                to_timestamp({cfg.start_epoch} + floor(u.signup_offset))::timestamp as signed_up_at,
                printf('user%07d@example.com', u.user_num) as email,
                printf('+86 139%08d', u.user_num) as phone,
                c.city,
                cast(u.birth_year as integer) as birth_year,
                a.acquisition_channel
            from sim_users as u
            join (values {cities}) as c(city_idx, city) using (city_idx)
            join (values {acq}) as a(acq_idx, acquisition_channel) using (acq_idx)
            order by u.user_num
        ) to '{out / "users.parquet"}' (format parquet)
        """
    )


def write_events(
    con: duckdb.DuckDBPyConnection, cfg: GeneratorConfig, rng: np.random.Generator, out: Path
) -> dict[str, int]:
    """Number the clean events, append planted bad rows, write events.parquet; return counts."""
    con.execute(
        f"""
        create table numbered as
        select
            row_number() over (order by e.offset, e.user_num, e.event_type_idx, e.item_idx, e.order_num)
                as event_num,
            printf('U%07d', e.user_num) as user_id,
            t.event_type,
            printf('I%05d', e.item_idx) as item_id,
            case when e.order_num >= 0 then printf('O%09d', e.order_num) end as order_id,
            case when e.quantity >= 0 then cast(e.quantity as integer) end as quantity,
            cast(e.unit_price as decimal(18, 2)) as unit_price,
            to_timestamp({cfg.start_epoch} + floor(e.offset))::timestamp as event_at,
            c.channel
        from sim_events as e
        join event_types as t using (event_type_idx)
        join channels as c using (channel_idx)
        """
    )
    n_clean = con.execute("select count(*) from numbered").fetchall()[0][0]
    per_kind = max(1, round(n_clean * cfg.bad_row_share / len(DEFECT_KINDS)))
    picks = rng.choice(n_clean, size=min(n_clean, per_kind * len(DEFECT_KINDS)), replace=False) + 1
    defects = pd.DataFrame({"event_num": picks, "defect": np.resize(np.array(DEFECT_KINDS), len(picks))})
    con.register("defects_frame", defects)
    con.execute("create table defects as select * from defects_frame")
    con.execute(
        f"""
        copy (
            with clean as (
                select printf('E%010d', event_num) as event_id, * exclude (event_num),
                    event_num as sort_num, 0 as sort_kind
                from numbered
            ),
            bad as (
                select
                    case when d.defect = 'missing_event_id' then null
                         when d.defect = 'duplicate_event_id' then printf('E%010d', n.event_num)
                         else printf('X%010d', n.event_num) end as event_id,
                    case when d.defect = 'missing_user_id' then null
                         when d.defect = 'unknown_user' then 'GHOST-' || n.user_id
                         else n.user_id end as user_id,
                    case when d.defect = 'unknown_event_type' then 'page_ping'
                         when d.defect in ('missing_order_id', 'non_positive_quantity', 'non_positive_price')
                              then 'purchase'
                         when d.defect = 'missing_item_id' then 'view'
                         else n.event_type end as event_type,
                    case when d.defect = 'missing_item_id' then null else n.item_id end as item_id,
                    case when d.defect = 'missing_order_id' then null
                         when d.defect in ('non_positive_quantity', 'non_positive_price')
                              then coalesce(n.order_id, 'OBAD' || n.event_num)
                         when d.defect = 'missing_item_id' then null
                         else n.order_id end as order_id,
                    case when d.defect = 'non_positive_quantity' then -1
                         when d.defect in ('missing_order_id', 'non_positive_price')
                              then coalesce(n.quantity, 1)
                         else n.quantity end as quantity,
                    case when d.defect = 'non_positive_price' then 0
                         when d.defect in ('missing_order_id', 'non_positive_quantity')
                              then coalesce(n.unit_price, 9.99)
                         else n.unit_price end as unit_price,
                    case when d.defect = 'missing_timestamp' then null
                         when d.defect = 'timestamp_before_min_event_date'
                              then timestamp '1970-01-01 00:00:00'
                         when d.defect = 'timestamp_in_future' then timestamp '2099-01-01 00:00:00'
                         else n.event_at end as event_at,
                    n.channel,
                    n.event_num as sort_num,
                    1 as sort_kind
                from defects as d
                join numbered as n using (event_num)
            )
            select * exclude (sort_num, sort_kind)
            from (select * from clean union all select * from bad)
            order by sort_num, sort_kind
        ) to '{out / "events.parquet"}' (format parquet, row_group_size 250000)
        """
    )
    counts = {k: int(v) for k, v in con.execute("select defect, count(*) from defects group by 1").fetchall()}
    counts["clean_events"] = int(n_clean)
    counts["raw_events"] = int(n_clean + len(picks))
    return counts


def write_truth(
    con: duckdb.DuckDBPyConnection, cfg: GeneratorConfig, truth_dir: Path, counts: dict[str, int]
) -> None:
    """Write the planted truth: per-user archetype and churn time, and the planted defect counts."""
    names = ", ".join(f"({i}, '{a.name}')" for i, a in enumerate(ARCHETYPES))
    con.execute(
        f"""
        copy (
            select
                printf('U%07d', u.user_num) as user_id,
                a.archetype,
                u.engagement,
                u.refund_probability,
                to_timestamp({cfg.start_epoch} + floor(u.churn_offset))::timestamp as churned_at
            from sim_users as u
            join (values {names}) as a(archetype_idx, archetype) using (archetype_idx)
            order by u.user_num
        ) to '{truth_dir / "users.parquet"}' (format parquet)
        """
    )
    meta = {
        "config": {
            "seed": cfg.seed,
            "users": cfg.users,
            "items": cfg.items,
            "days": cfg.days,
            "end_date": cfg.end_date.isoformat(),
            "bad_row_share": cfg.bad_row_share,
        },
        "counts": dict(sorted(counts.items())),
        "affinity_pairs": [list(p) for p in AFFINITY],
        "archetypes": [a.name for a in ARCHETYPES],
        "experiment": {
            "experiment_id": EXPERIMENT_ID,
            "variants": ["control", "treatment"],
            "planted_effect": "treatment people get one extra order within "
            f"{EXPERIMENT_EFFECT_DAYS:g} days of assignment with probability {EXPERIMENT_UPLIFT}",
            "uplift_probability": EXPERIMENT_UPLIFT,
            "assigned_people": int(con.execute("select count(*) from sim_assignments").fetchall()[0][0]),
        },
    }
    (truth_dir / "truth.json").write_text(json.dumps(meta, indent=2) + "\n")
