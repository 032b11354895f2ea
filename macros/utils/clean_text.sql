{#- A text column as trimmed varchar, with empty strings as NULL (CSV and Parquet alike). -#}
{% macro clean_text(column_name) -%}
    nullif(trim(cast({{ column_name }} as varchar)), '')
{%- endmacro %}


{#- A timestamp parsed strictly: naive values are UTC, values with an offset are converted to
    UTC; anything unparseable is NULL (the raw text is kept beside it). Needs TimeZone=UTC. -#}
{% macro parse_timestamp(column_name) -%}
    try_cast(try_cast({{ clean_text(column_name) }} as timestamptz) as timestamp)
{%- endmacro %}


{#- A whole number parsed strictly: '2.5' or 'abc' give NULL instead of being rounded. -#}
{% macro parse_whole_number(column_name) -%}
    case
        when try_cast({{ clean_text(column_name) }} as decimal(38, 6))
            = trunc(try_cast({{ clean_text(column_name) }} as decimal(38, 6)))
            then try_cast(try_cast({{ clean_text(column_name) }} as decimal(38, 6)) as integer)
    end
{%- endmacro %}
