-- Share of raw event rows rejected (duplicates are counted apart and excluded). One row per
-- threshold crossed: above var reject_share_warn -> 1 row (warning); above var
-- max_reject_share -> 2 rows (error). The share is reported in the rows either way.
{{ config(warn_if='>=1', error_if='>=2') }}

with

classified as (
    select * from {{ ref('int_events_classified') }}
),

share as (
    select
        count(*) as raw_rows,
        count(*) filter (where outcome = 'rejected') as rejected_rows,
        count(*) filter (where outcome = 'rejected') / greatest(count(*), 1) as reject_share
    from classified
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
