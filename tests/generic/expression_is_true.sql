{#- Fails on every row of `model` (optionally filtered by `where`) for which `expression` is not
    true (false or NULL). Use on a model or a column (then `column_name` may appear in it). -#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
