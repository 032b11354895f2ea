-- The two CLV fits of clv_model side by side, one row per fit role: the BG/NBD parameters
-- (r, alpha in days, a, b), the Gamma-Gamma parameters (p, q, gamma), each model's status, and
-- the customer-base snapshot the fit scores (backtest: `calibration`, serving: `current`).
{{ config(tags=['clv']) }}

with

clv_model as (
    select * from {{ ref('clv_model') }}
),

fits as (
    select
        fit_role,
        case fit_role when 'backtest' then 'calibration' when 'serving' then 'current' end as snapshot_role,
        max(calibration_end_date) as calibration_end_date,
        max(model_version) as model_version,
        max(model_status) filter (where model_name = 'bg_nbd') as bg_nbd_status,
        max(model_status) filter (where model_name = 'gamma_gamma') as gamma_gamma_status,
        max(parameter_value) filter (where model_name = 'bg_nbd' and parameter_name = 'r') as bg_nbd_r,
        max(parameter_value) filter (where model_name = 'bg_nbd' and parameter_name = 'alpha') as bg_nbd_alpha,
        max(parameter_value) filter (where model_name = 'bg_nbd' and parameter_name = 'a') as bg_nbd_a,
        max(parameter_value) filter (where model_name = 'bg_nbd' and parameter_name = 'b') as bg_nbd_b,
        max(parameter_value) filter (where model_name = 'gamma_gamma' and parameter_name = 'p') as gamma_gamma_p,
        max(parameter_value) filter (where model_name = 'gamma_gamma' and parameter_name = 'q') as gamma_gamma_q,
        max(parameter_value) filter (
            where model_name = 'gamma_gamma' and parameter_name = 'gamma'
        ) as gamma_gamma_gamma
    from clv_model
    group by fit_role
),

usable as (
    -- a model scores only when fitted; otherwise its scores are NULL (status says why)
    select
        fit_role,
        snapshot_role,
        calibration_end_date,
        model_version,
        bg_nbd_status,
        gamma_gamma_status,
        case when bg_nbd_status = 'fitted' then bg_nbd_r end as r,
        case when bg_nbd_status = 'fitted' then bg_nbd_alpha end as alpha,
        case when bg_nbd_status = 'fitted' then bg_nbd_a end as a,
        case when bg_nbd_status = 'fitted' then bg_nbd_b end as b,
        case when gamma_gamma_status = 'fitted' then gamma_gamma_p end as p,
        case when gamma_gamma_status = 'fitted' then gamma_gamma_q end as q,
        case when gamma_gamma_status = 'fitted' then gamma_gamma_gamma end as gamma
    from fits
)

select * from usable
order by fit_role
