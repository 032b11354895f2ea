{#- String literals. DuckDB: quotes doubled, backslash an ordinary character. Spark: quotes
    doubled too, but a backslash starts an escape sequence, so it is doubled first. -#}

{% macro default__sql_string_literal(value) -%}
    {%- if value is none -%}null{%- else -%}'{{ value | string | replace("'", "''") }}'{%- endif -%}
{%- endmacro %}

{% macro spark__sql_string_literal(value) -%}
    {%- if value is none -%}null{%- else -%}'{{ value | string | replace('\\', '\\\\') | replace("'", "''") }}'{%- endif -%}
{%- endmacro %}
