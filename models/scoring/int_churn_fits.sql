-- One row per fitted churn candidate: (fit_role, model_name) with the snapshot it was trained on
-- and the one it scores, the training date and size, status and version. The linear candidates
-- come from churn_model, the tree from churn_tree, the recency + frequency cells from
-- int_churn_cell_rates (trained on the same snapshots as churn_model's fits).

with

churn_model as (
    select * from {{ ref('churn_model') }}
),

churn_tree as (
    select * from {{ ref('churn_tree') }}
),

cell_rates as (
    select * from {{ ref('int_churn_cell_rates') }}
),

linear_fits as (
    select distinct
        fit_role,
        model_name,
        training_snapshot_role,
        scored_snapshot_role,
        training_snapshot_date,
        training_rows,
        model_status,
        model_version
    from churn_model
),

tree_fits as (
    select distinct
        fit_role,
        model_name,
        training_snapshot_role,
        scored_snapshot_role,
        training_snapshot_date,
        training_rows,
        model_status,
        model_version
    from churn_tree
),

cell_summaries as (
    select
        fit_role,
        sum(people) as training_rows,
        'cells-' || left(md5({{ ordered_string_agg(
            "concat_ws(':', recency_bin, recency_max_days, frequency_bucket, people, churners)",
            ',',
            ['recency_bin', 'frequency_bucket'],
        ) }}), 12) as model_version
    from cell_rates
    group by fit_role
),

cell_fits as (
    select
        fits.fit_role,
        'recency_frequency' as model_name,
        fits.training_snapshot_role,
        fits.scored_snapshot_role,
        fits.training_snapshot_date,
        cast(coalesce(cell_summaries.training_rows, 0) as bigint) as training_rows,
        case when coalesce(cell_summaries.training_rows, 0) > 0 then 'fitted' else 'no_training_rows' end
            as model_status,
        coalesce(cell_summaries.model_version, 'cells-empty') as model_version
    from linear_fits as fits
    left join cell_summaries on fits.fit_role = cell_summaries.fit_role
    where fits.model_name = 'logistic_regression'
),

fits as (
    select * from linear_fits
    union all
    select * from tree_fits
    union all
    select * from cell_fits
)

select * from fits
order by fit_role, model_name
