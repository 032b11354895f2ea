-- The churn backtest is leak-free: every label the backtest fits learn from (`train`, stacked
-- or not) ends on or before the evaluation snapshot, so nothing of the evaluation period
-- reaches training. Returns a row when a training label window ends after it.

with

churn_snapshots as (
    select * from {{ ref('int_churn_snapshots') }}
),

evaluation as (
    select min(snapshot_date) as evaluation_date
    from churn_snapshots
    where snapshot_role = 'eval'
),

leaking as (
    select
        churn_snapshots.snapshot_date,
        churn_snapshots.label_window_end,
        evaluation.evaluation_date,
        count(*) as people
    from churn_snapshots
    cross join evaluation
    where churn_snapshots.snapshot_role = 'train' and churn_snapshots.label_window_end > evaluation.evaluation_date
    group by churn_snapshots.snapshot_date, churn_snapshots.label_window_end, evaluation.evaluation_date
)

select * from leaking
