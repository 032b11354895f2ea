{#- A window expression: among the rows of the query whose `value_column` is positive, the share
    of them with a strictly larger value (0 = the top; ties share a position, so they never
    split across tiers); NULL when the value is not positive. -#}
{% macro value_position(value_column) -%}
    case
        when {{ value_column }} > 0
            then
                (rank() over (order by case when {{ value_column }} > 0 then {{ value_column }} end desc nulls last) - 1)
                / count(case when {{ value_column }} > 0 then 1 end) over ()
    end
{%- endmacro %}


{#- A select of `key_column`, `value_tier` and `value_tier_order` for every row of `ranked`: the
    first tier of `tiers` (seed value_tiers) whose top_share exceeds the row's `position_column`,
    or `no_value` (order 99) without a position. -#}
{% macro value_tier_assignment(ranked, key_column, position_column, tiers) -%}
    select
        {{ ranked }}.{{ key_column }},
        coalesce(chosen.value_tier, 'no_value') as value_tier,
        coalesce(chosen.tier_order, 99) as value_tier_order
    from {{ ranked }}
    left join (
        select
            {{ ranked }}.{{ key_column }},
            min_by({{ tiers }}.value_tier, {{ tiers }}.tier_order) as value_tier,
            min({{ tiers }}.tier_order) as tier_order
        from {{ ranked }}
        inner join {{ tiers }} on {{ ranked }}.{{ position_column }} < {{ tiers }}.top_share
        group by {{ ranked }}.{{ key_column }}
    ) as chosen on {{ ranked }}.{{ key_column }} = chosen.{{ key_column }}
{%- endmacro %}
