{#- Fails once per combination of `combination_of_columns` that occurs more than once (NULLs
    compare equal, so a repeated NULL combination fails too). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
