-- Every assignment row with its fate: `valid`, or why it is left out of the readout
-- (missing_field: no person, experiment, variant or parseable time; conflicting_variant: the
-- person appears in two variants of the experiment, so all their rows are left out;
-- repeated_assignment: a later row for the same person, experiment and variant; the first one
-- by assigned_at, then load order, counts). Every raw row appears exactly once.

with

assignments as (
    select * from {{ ref('stg_shop__experiment_assignments') }}
),

complete as (
    select
        *,
        user_key is not null and experiment_id is not null and variant is not null and assigned_at is not null
            as is_complete
    from assignments
),

variant_counts as (
    select
        experiment_id,
        user_key,
        count(distinct variant) as variants
    from complete
    where is_complete
    group by experiment_id, user_key
),

ordered as (
    select
        complete.*,
        coalesce(variant_counts.variants, 0) as variants,
        row_number() over (
            partition by complete.is_complete, complete.experiment_id, complete.user_key
            order by complete.assigned_at asc, complete.source_file asc, complete.source_row_number asc
        ) as assignment_order
    from complete
    left join variant_counts
        on complete.experiment_id = variant_counts.experiment_id and complete.user_key = variant_counts.user_key
),

classified as (
    select
        source_file,
        source_row_number,
        user_key,
        experiment_id,
        variant,
        assigned_at,
        case
            when not is_complete then 'missing_field'
            when variants > 1 then 'conflicting_variant'
            when assignment_order > 1 then 'repeated_assignment'
            else 'valid'
        end as assignment_status
    from ordered
)

select * from classified
