-- Who is in which marketing audience as of as_of_date: one row per audience and person whose
-- customer_360 row meets all the audience's conditions (var `audiences`, validated and rendered
-- as escaped literals by the macro audience_definitions). A person may be in several audiences;
-- `is_primary` marks the one with the lowest priority number (ties by name).

{%- set audiences = audience_definitions() %}

with

customer_360 as (
    select * from {{ ref('customer_360') }}
),

memberships as (
    {%- for audience in audiences %}
        select
            {{ sql_string_literal(audience.name) }} as audience_name,
            {{ audience.priority }} as audience_priority,
            user_key,
            as_of_date,
            expected_12m_revenue
        from customer_360
        where {{ audience.sql }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- else %}
        select
            cast(null as string) as audience_name,
            cast(null as integer) as audience_priority,
            user_key,
            as_of_date,
            expected_12m_revenue
        from customer_360
        where false
    {%- endfor %}
),

ranked as (
    select
        audience_name,
        audience_priority,
        user_key,
        as_of_date,
        expected_12m_revenue,
        row_number() over (partition by user_key order by audience_priority asc, audience_name asc) = 1
            as is_primary
    from memberships
)

select * from ranked
order by audience_name, user_key
