{#- Rows of `relation` (with source_file, source_row_number) reduced to one per `key`: the last in
    load order (later file name, then later row) wins. Rows with a NULL key are left out. -#}
{% macro latest_in_load_order(relation, key) -%}
    select {{ star_except(none, ['load_rank']) }}
    from (
        select
            *,
            row_number() over (
                partition by {{ key }}
                order by source_file desc, source_row_number desc
            ) as load_rank
        from {{ relation }}
        where {{ key }} is not null
    ) as ranked
    where load_rank = 1
{%- endmacro %}
