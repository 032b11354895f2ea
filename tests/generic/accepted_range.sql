{#- Fails on every non-NULL value of `column_name` outside [min_value, max_value] (either bound
    optional; `inclusive: false` makes the bounds strict). -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
{%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error("accepted_range on " ~ model ~ "." ~ column_name ~ ": give min_value and/or max_value") }}
{%- endif -%}
{%- set lower_op = '<' if inclusive else '<=' -%}
{%- set upper_op = '>' if inclusive else '>=' -%}
select *
from {{ model }}
where {{ column_name }} is not null
    and (
        false
        {%- if min_value is not none %} or {{ column_name }} {{ lower_op }} {{ min_value }}{% endif %}
        {%- if max_value is not none %} or {{ column_name }} {{ upper_op }} {{ max_value }}{% endif %}
    )
{% endtest %}
