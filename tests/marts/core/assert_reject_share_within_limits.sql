-- Share of raw event rows rejected (duplicates are counted apart and excluded). One row per
-- threshold crossed: above var reject_share_warn -> 1 row (warning); above var
-- max_reject_share -> 2 rows (error). The share is reported in the rows either way.
-- Lines of a CSV file that no record accounts for (a quote never closed can take the rest of a
-- file into one malformed record) count as rejected rows: that must not pass as one rejected row.
{{ config(warn_if='>=1', error_if='>=2') }}

with

classified as (
    select * from {{ ref('int_events_classified') }}
),

malformed_lines as (
    select * from {{ ref('stg_loader__malformed_lines') }}
    where source_table = 'events'
),

file_lines as (
    select distinct
        source_file,
        file_unaccounted_lines
    from malformed_lines
),

extra_lines as (
    select coalesce(sum(file_unaccounted_lines), 0) as extra_line_count
    from file_lines
),

counts as (
    select
        count(*) as raw_records,
        count(*) filter (where outcome = 'rejected') as rejected_records
    from classified
),

share as (
    select
        counts.raw_records + extra_lines.extra_line_count as raw_rows,
        counts.rejected_records + extra_lines.extra_line_count as rejected_rows,
        (counts.rejected_records + extra_lines.extra_line_count)
        / greatest(counts.raw_records + extra_lines.extra_line_count, 1) as reject_share
    from counts
    cross join extra_lines
),

thresholds as (
    select
        'warn' as threshold_name,
        least({{ typed_var('reject_share_warn') }}, {{ typed_var('max_reject_share') }}) as threshold
    union all
    select
        'error' as threshold_name,
        {{ typed_var('max_reject_share') }} as threshold
),

crossed as (
    select
        thresholds.threshold_name,
        thresholds.threshold,
        share.raw_rows,
        share.rejected_rows,
        share.reject_share
    from share
    cross join thresholds
    where share.reject_share > thresholds.threshold
)

select * from crossed
