{#- Spark: a table rebuilt by every run, because dbt-spark merges only into Delta, Iceberg or Hudi
    tables and the local Spark check writes Parquet. -#}
{{
    config(
        materialized='table' if target.type == 'spark' else 'incremental',
        incremental_strategy='merge',
        unique_key='event_id',
        on_schema_change='fail',
    )
}}

-- The clean event store: kept events only, one row per event_id (published as clean_events,
-- read by everything downstream through int_events_as_of). Incremental: a new file (source_file not loaded yet)
-- is read in full; rows of already-loaded files are re-merged when their event_at is within
-- `incremental_lookback_days` of the latest loaded event (late and corrected events), or when
-- their person or item was unknown (it may have arrived in a later users/items file).

with

classified as (
    select * from {{ ref('int_events_classified') }}
),

kept as (
    select
        event_id,
        user_key,
        event_type_normalized as event_type,
        item_id,
        order_id,
        channel,
        quantity,
        unit_price,
        revenue,
        event_at,
        cast(event_at as date) as event_date,
        is_known_user,
        is_known_item,
        source_file,
        source_row_number
    from classified
    where outcome = 'kept'
    {% if is_incremental() %}
        and (
            source_file not in (select distinct existing.source_file from {{ this }} as existing)
            or event_at >= (
                select max(existing.event_at) from {{ this }} as existing
            ) - interval {{ typed_var('incremental_lookback_days') }} day
            -- people and items that arrive in a later users/items file: their earlier events
            -- are re-merged with the new flags, as a full refresh would give them
            or event_id in (
                select unknown.event_id from {{ this }} as unknown
                where not unknown.is_known_user or not unknown.is_known_item
            )
        )
    {% endif %}
)

-- a stable physical order: identical inputs give identical tables
select * from kept
order by event_at, event_id
