{#- Text parsing whose spelling differs between engines. -#}

{#- True when the whole of `text_expression` matches the regular expression `pattern` (a plain
    literal without quotes or backslashes; both engines' dialects agree on classes, groups and
    bounded repetition). -#}
{% macro full_match(text_expression, pattern) -%}
    {{ return(adapter.dispatch('full_match', 'customer_intel')(text_expression, pattern)) }}
{%- endmacro %}

{% macro default__full_match(text_expression, pattern) -%}
    regexp_full_match({{ text_expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__full_match(text_expression, pattern) -%}
    ({{ text_expression }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}


{#- Text read as a timestamp without time zone in UTC: a value with an offset is converted to
    UTC, a naive value is taken as UTC, anything unparseable is NULL. DuckDB parses through
    `timestamptz` under TimeZone=UTC; Spark through `timestamp_ltz` under session time zone UTC
    (the Spark check runs with spark.sql.timestampType=TIMESTAMP_NTZ, so `timestamp` in the
    models means the same naive type as in DuckDB). -#}
{% macro naive_utc_timestamp(text_expression) -%}
    {{ return(adapter.dispatch('naive_utc_timestamp', 'customer_intel')(text_expression)) }}
{%- endmacro %}

{% macro default__naive_utc_timestamp(text_expression) -%}
    try_cast(try_cast({{ text_expression }} as timestamptz) as timestamp)
{%- endmacro %}

{% macro spark__naive_utc_timestamp(text_expression) -%}
    try_cast(try_cast({{ text_expression }} as timestamp_ltz) as timestamp_ntz)
{%- endmacro %}
