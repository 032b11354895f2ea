-- A/B test readout: one row per experiment and variant. A person converts when they make a
-- purchase in (assigned_at, assigned_at + experiment_window_days]; only people whose whole window
-- ends by as_of_date are measured (the rest are counted as not yet observable). Lifts, a
-- two-sided two-proportion z-test (pooled) and a 95% confidence interval (unpooled) compare each
-- variant with the control variant (var experiment_control_variant); the sample-ratio-mismatch
-- check tests the assignment counts against an equal split (chi-square). An experiment is
-- `finished` once every assigned person's window has ended by as_of_date; before that it is
-- `too_early` (no window has ended) or `running`, and its lifts and tests are NULL (reading
-- them before the end would be peeking).

{%- set window_days = typed_var('experiment_window_days') %}
{#- computed only for finished experiments -#}
{%- set statistics = [
    'absolute_lift', 'relative_lift', 'revenue_per_user_lift', 'z_score', 'p_value', 'ci_95_low', 'ci_95_high',
] %}

with

assignments as (
    select * from {{ ref('int_experiment_assignments') }}
    where assignment_status = 'valid'
),

events_as_of as (
    select * from {{ ref('int_events_as_of') }}
),

as_of as (
    select as_of_date from {{ ref('int_analysis_date') }}
),

observable as (
    select
        assignments.*,
        assignments.assigned_at + interval {{ window_days }} day
        <= cast(as_of.as_of_date + 1 as timestamp) as is_observable
    from assignments
    cross join as_of
),

outcomes as (
    select
        observable.experiment_id,
        observable.variant,
        observable.user_key,
        coalesce(bool_or(events_as_of.event_type = 'purchase'), false) as converted,
        coalesce(sum(events_as_of.revenue), 0) as window_revenue
    from observable
    left join events_as_of
        on
            observable.user_key = events_as_of.user_key
            and observable.assigned_at < events_as_of.event_at
            and events_as_of.event_at <= observable.assigned_at + interval {{ window_days }} day
    where observable.is_observable
    group by observable.experiment_id, observable.variant, observable.user_key
),

assigned_counts as (
    select
        experiment_id,
        variant,
        count(*) as assigned_users,
        count(*) filter (where not is_observable) as users_not_yet_observable
    from observable
    group by experiment_id, variant
),

variant_stats as (
    select
        assigned_counts.experiment_id,
        assigned_counts.variant,
        assigned_counts.assigned_users,
        assigned_counts.users_not_yet_observable,
        count(outcomes.user_key) as users,
        count(outcomes.user_key) filter (where outcomes.converted) as converters,
        coalesce(sum(outcomes.window_revenue), 0) as window_revenue
    from assigned_counts
    left join outcomes
        on assigned_counts.experiment_id = outcomes.experiment_id and assigned_counts.variant = outcomes.variant
    group by all
),

rates as (
    select
        *,
        converters / nullif(users, 0) as conversion_rate,
        cast(window_revenue as double) / nullif(users, 0) as revenue_per_user
    from variant_stats
),

control as (
    select
        experiment_id,
        users as control_users,
        converters as control_converters,
        conversion_rate as control_rate,
        revenue_per_user as control_revenue_per_user
    from rates
    where variant = {{ sql_string_literal(typed_var('experiment_control_variant')) }}
),

expected_counts as (
    select
        experiment_id,
        assigned_users,
        sum(assigned_users) over (partition by experiment_id) / count(*) over (partition by experiment_id)
            as expected_users
    from rates
),

srm as (
    -- chi-square of the assignment counts against an equal split, df = variants - 1
    select
        experiment_id,
        count(*) - 1 as srm_degrees_of_freedom,
        sum(pow(assigned_users - expected_users, 2) / expected_users) as srm_chi_square
    from expected_counts
    group by experiment_id
),

compared as (
    select
        rates.*,
        control.control_rate,
        control.control_revenue_per_user,
        control.control_users,
        (rates.converters + control.control_converters) / nullif(rates.users + control.control_users, 0)
            as pooled_rate,
        rates.variant = {{ sql_string_literal(typed_var('experiment_control_variant')) }} as is_control
    from rates
    left join control on rates.experiment_id = control.experiment_id
),

tested as (
    select
        compared.*,
        (compared.conversion_rate - compared.control_rate)
        / nullif(sqrt(
            compared.pooled_rate * (1 - compared.pooled_rate)
            * (1 / nullif(compared.users, 0) + 1 / nullif(compared.control_users, 0))
        ), 0) as z_score,
        sqrt(
            compared.conversion_rate * (1 - compared.conversion_rate) / nullif(compared.users, 0)
            + compared.control_rate * (1 - compared.control_rate) / nullif(compared.control_users, 0)
        ) as difference_standard_error
    from compared
),

results as (
    select
        tested.experiment_id,
        tested.variant,
        tested.is_control,
        tested.assigned_users,
        tested.users_not_yet_observable,
        tested.users,
        tested.converters,
        tested.conversion_rate,
        cast(tested.revenue_per_user as double) as revenue_per_user,
        case when not tested.is_control then tested.conversion_rate - tested.control_rate end as absolute_lift,
        case
            when
                not tested.is_control
                then (tested.conversion_rate - tested.control_rate) / nullif(tested.control_rate, 0)
        end as relative_lift,
        case
            when not tested.is_control
                then cast(tested.revenue_per_user - tested.control_revenue_per_user as double)
        end as revenue_per_user_lift,
        case when not tested.is_control then tested.z_score end as z_score,
        -- p-values are clamped to [0, 1]: Φ's fit is off by up to 1.2e-7, so z = 0 gave 1.0000001
        -- (least/greatest skip NULLs, so an undefined statistic is kept NULL before clamping)
        case
            when not tested.is_control and tested.z_score is not null
                then least(1.0, 2 * (1 - {{ normal_cdf('abs(tested.z_score)') }}))
        end as p_value,
        case
            when not tested.is_control
                then tested.conversion_rate - tested.control_rate - 1.959963984540054 * tested.difference_standard_error
        end as ci_95_low,
        case
            when not tested.is_control
                then tested.conversion_rate - tested.control_rate + 1.959963984540054 * tested.difference_standard_error
        end as ci_95_high,
        srm.srm_chi_square,
        case when srm.srm_degrees_of_freedom >= 1 then least(1.0, greatest(0.0, case
            when srm.srm_degrees_of_freedom = 1 then 2 * (1 - {{ normal_cdf('sqrt(srm.srm_chi_square)') }})
            when srm.srm_degrees_of_freedom = 2 then exp(-srm.srm_chi_square / 2)
            when srm.srm_degrees_of_freedom > 2
                then 1 - {{ normal_cdf(
                    '(pow(srm.srm_chi_square / srm.srm_degrees_of_freedom, 1.0 / 3)'
                    ~ ' - (1 - 2 / (9 * srm.srm_degrees_of_freedom)))'
                    ~ ' / sqrt(2 / (9 * srm.srm_degrees_of_freedom))'
                ) }}
        end)) end as srm_p_value
    from tested
    inner join srm on tested.experiment_id = srm.experiment_id
),

experiment_status as (
    select
        experiment_id,
        case
            when sum(users) = 0 then 'too_early'
            when sum(users_not_yet_observable) > 0 then 'running'
            else 'finished'
        end as status
    from results
    group by experiment_id
),

gated as (
    select
        results.experiment_id,
        results.variant,
        experiment_status.status,
        results.is_control,
        results.assigned_users,
        results.users_not_yet_observable,
        results.users,
        results.converters,
        results.conversion_rate,
        results.revenue_per_user,
        {%- for statistic in statistics %}
        case when experiment_status.status = 'finished' then results.{{ statistic }} end as {{ statistic }},
        {%- endfor %}
        results.srm_chi_square,
        results.srm_p_value
    from results
    inner join experiment_status on results.experiment_id = experiment_status.experiment_id
),

flagged as (
    select
        *,
        coalesce(srm_p_value < {{ typed_var('experiment_srm_alpha') }}, false) as srm_flag,
        {{ window_days }} as window_days
    from gated
)

select * from flagged
order by experiment_id, variant
