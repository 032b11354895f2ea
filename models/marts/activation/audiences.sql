-- One row per audience defined in var `audiences` (even when empty): purpose, priority, size,
-- people for whom it is the primary audience, and their expected 12-month revenue.

{%- set audiences = audience_definitions() %}

with

members as (
    select * from {{ ref('audience_members') }}
),

customer_360 as (
    select * from {{ ref('customer_360') }}
),

definitions as (
    {%- for audience in audiences %}
        select
            {{ sql_string_literal(audience.name) }} as audience_name,
            {{ sql_string_literal(audience.purpose) }} as purpose,
            {{ audience.priority }} as audience_priority,
            {{ sql_string_literal(audience.standard_sql) }} as condition_sql
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- else %}
        select
            cast(null as string) as audience_name,
            cast(null as string) as purpose,
            cast(null as integer) as audience_priority,
            cast(null as string) as condition_sql
        where false
    {%- endfor %}
),

sizes as (
    select
        audience_name,
        count(*) as member_count,
        count(*) filter (where is_primary) as primary_member_count,
        sum(expected_12m_revenue) as expected_12m_revenue
    from members
    group by audience_name
),

people as (
    select count(*) as people from customer_360
),

summary as (
    select
        definitions.audience_name,
        definitions.purpose,
        definitions.audience_priority,
        definitions.condition_sql,
        coalesce(sizes.member_count, 0) as member_count,
        coalesce(sizes.primary_member_count, 0) as primary_member_count,
        coalesce(sizes.member_count, 0) / nullif(people.people, 0) as share_of_people,
        cast(coalesce(sizes.expected_12m_revenue, 0) as decimal(18, 4)) as expected_12m_revenue
    from definitions
    cross join people
    left join sizes on definitions.audience_name = sizes.audience_name
)

select * from summary
order by audience_priority, audience_name
