{#- The rows of a snapshot-keyed model (`relation`, keyed by `date_column`) at the date of one
    role of int_feature_snapshots (`snapshots`, passed as a ref by the calling model so its
    lineage shows both inputs), optionally without the date column. -#}
{% macro rows_at_snapshot(relation, snapshots, snapshot_role, date_column='snapshot_date', drop_date=false) -%}
    select
        {% if drop_date %}{{ star_except('keyed', [date_column]) }}{% else %}keyed.*{% endif %}
    from {{ relation }} as keyed
    inner join {{ snapshots }} as snapshots on keyed.{{ date_column }} = snapshots.snapshot_date
    where snapshots.snapshot_role = {{ sql_string_literal(snapshot_role) }}
{%- endmacro %}
