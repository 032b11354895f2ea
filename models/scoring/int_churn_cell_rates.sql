-- The recency + frequency baseline, a model-free lookup: the churn rate of each RFM-style cell
-- (recency decile × order-count bucket) on the training snapshots of each fit (backtest:
-- `train`; serving: `serving_train`, the same pairs as churn_model; stacked snapshots count
-- a person once per date). Recency bins: the training
-- snapshot's recency deciles, bin b covering (upper edge of b − 1, upper edge of b] days
-- (equal edges merge; a later recency than every training one falls in the last bin).
-- Frequency buckets: 1, 2, 3 and 4+ orders in the lookback window. Rates are shrunk towards
-- the coarser rate with a prior weight of 10 people: bin = (churners + 10 × overall) /
-- (people + 10), cell = (churners + 10 × bin) / (people + 10), so a small cell leans on its
-- recency bin and an empty one is the bin's rate.

{%- set prior_weight = 10 %}
{%- set frequency_buckets = churn_frequency_buckets() | int %}

with

churn_snapshots as (
    select * from {{ ref('int_churn_snapshots') }}
),

churn_model as (
    select * from {{ ref('churn_model') }}
),

fits as (
    select distinct
        fit_role,
        training_snapshot_role,
        scored_snapshot_role
    from churn_model
),

training as (
    select
        fits.fit_role,
        churn_snapshots.user_key,
        churn_snapshots.snapshot_date,
        churn_snapshots.recency_days,
        {{ churn_frequency_bucket('churn_snapshots.frequency') }} as frequency_bucket,
        cast(churn_snapshots.is_churned as integer) as churned
    from fits
    inner join churn_snapshots on fits.training_snapshot_role = churn_snapshots.snapshot_role
),

deciles as (
    select
        fit_role,
        recency_days,
        ntile(10) over (
            partition by fit_role order by recency_days asc nulls last, user_key asc, snapshot_date asc
        ) as recency_decile
    from training
),

edges as (
    select distinct
        fit_role,
        max(recency_days) over (partition by fit_role, recency_decile) as recency_max_days
    from deciles
),

bins as (
    select
        fit_role,
        recency_max_days,
        cast(row_number() over (partition by fit_role order by recency_max_days) as integer) as recency_bin,
        lag(recency_max_days) over (partition by fit_role order by recency_max_days) as previous_max_days
    from edges
),

binned as (
    -- each training person's bin: the lowest upper edge at or above their recency
    select
        training.fit_role,
        training.frequency_bucket,
        training.churned,
        min(bins.recency_bin) as recency_bin
    from training
    inner join bins on training.fit_role = bins.fit_role and training.recency_days <= bins.recency_max_days
    group by
        training.fit_role, training.user_key, training.snapshot_date, training.frequency_bucket, training.churned
),

overall as (
    select
        fit_role,
        avg(churned) as churn_rate
    from training
    group by fit_role
),

bin_rates as (
    select
        bins.fit_role,
        bins.recency_bin,
        bins.recency_max_days,
        coalesce(bins.previous_max_days + 1, 0) as recency_min_days,
        count(binned.churned) as bin_people,
        (coalesce(sum(binned.churned), 0) + {{ prior_weight }} * any_value(overall.churn_rate))
        / (count(binned.churned) + {{ prior_weight }}) as bin_churn_rate
    from bins
    inner join overall on bins.fit_role = overall.fit_role
    left join binned on bins.fit_role = binned.fit_role and bins.recency_bin = binned.recency_bin
    group by bins.fit_role, bins.recency_bin, bins.recency_max_days, bins.previous_max_days
),

buckets as (
    select {{ unnest_range(1, frequency_buckets + 1) }} as frequency_bucket
),

cells as (
    select
        bin_rates.*,
        buckets.frequency_bucket
    from bin_rates
    cross join buckets
),

cell_counts as (
    select
        fit_role,
        recency_bin,
        frequency_bucket,
        count(*) as people,
        sum(churned) as churners
    from binned
    group by fit_role, recency_bin, frequency_bucket
),

cell_rates as (
    select
        cells.fit_role,
        fits.training_snapshot_role,
        fits.scored_snapshot_role,
        cells.recency_bin,
        cells.recency_min_days,
        cells.recency_max_days,
        cast(cells.frequency_bucket as integer) as frequency_bucket,
        cast(coalesce(cell_counts.people, 0) as bigint) as people,
        cast(coalesce(cell_counts.churners, 0) as bigint) as churners,
        cells.bin_churn_rate,
        (coalesce(cell_counts.churners, 0) + {{ prior_weight }} * cells.bin_churn_rate)
        / (coalesce(cell_counts.people, 0) + {{ prior_weight }}) as churn_probability
    from cells
    inner join fits on cells.fit_role = fits.fit_role
    left join cell_counts
        on
            cells.fit_role = cell_counts.fit_role
            and cells.recency_bin = cell_counts.recency_bin
            and cells.frequency_bucket = cell_counts.frequency_bucket
),

described as (
    select
        *,
        case
            when recency_bin = max(recency_bin) over (partition by fit_role)
                then 'last purchase ' || recency_min_days || '+ days ago'
            when recency_min_days = recency_max_days then 'last purchase ' || recency_min_days || ' days ago'
            else 'last purchase ' || recency_min_days || ' to ' || recency_max_days || ' days ago'
        end
        || ' and '
        || case
            when frequency_bucket = {{ frequency_buckets }} then frequency_bucket || '+ orders'
            when frequency_bucket = 1 then '1 order'
            else frequency_bucket || ' orders'
        end
        || ': '
        || cast(round(100 * churn_probability) as integer)
        || '% stop buying, '
        || {{ thousands_separated('people') }}
        || case when people = 1 then ' person' else ' people' end as rule_text
    from cell_rates
)

select * from described
order by fit_role, recency_bin, frequency_bucket
