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


{#- A raw column as a value of `kind` (`whole_number`: integer, `decimal`: decimal(18, 4),
    `timestamp`: naive UTC timestamp) without the text round trip when the file already stores
    it in a type that converts exactly (Parquet): the same value `text_expression` (the strict
    parse of the column's text) gives, which is used for every other type. DuckDB decides by
    `typeof`, which it folds to a constant, so only one branch runs; Spark always parses. -#}
{% macro typed_or_parsed(column_name, kind, text_expression) -%}
    {{ return(adapter.dispatch('typed_or_parsed', 'customer_intel')(column_name, kind, text_expression)) }}
{%- endmacro %}

{% macro default__typed_or_parsed(column_name, kind, text_expression) -%}
    {%- set integer_types = "'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER'" %}
    {%- if kind == 'whole_number' -%}
        case
            when typeof({{ column_name }}) in ({{ integer_types }}) then try_cast({{ column_name }} as integer)
            else {{ text_expression }}
        end
    {%- elif kind == 'decimal' -%}
        {#- decimals of scale 0 to 4 fit decimal(18, 4) without rounding; both casts fail alike above it #}
        case
            when
                typeof({{ column_name }}) in ({{ integer_types }})
                or regexp_full_match(typeof({{ column_name }}), 'DECIMAL[(][0-9]+,[0-4][)]')
                then try_cast({{ column_name }} as decimal(18, 4))
            else {{ text_expression }}
        end
    {%- elif kind == 'timestamp' -%}
        {#- a naive timestamp is UTC already; years 1-9999 print and parse back unchanged #}
        case
            when
                typeof({{ column_name }}) = 'TIMESTAMP'
                and try_cast({{ column_name }} as timestamp)
                between timestamp '0001-01-01 00:00:00' and timestamp '9999-12-31 23:59:59.999999'
                then try_cast({{ column_name }} as timestamp)
            else {{ text_expression }}
        end
    {%- else -%}
        {{ exceptions.raise_compiler_error("typed_or_parsed: unknown kind " ~ kind) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__typed_or_parsed(column_name, kind, text_expression) -%}
    {{ text_expression }}
{%- endmacro %}
