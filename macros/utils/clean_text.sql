{#- A text column as trimmed text, with empty strings as NULL (CSV and Parquet alike). -#}
{% macro clean_text(column_name) -%}
    nullif(trim(cast({{ column_name }} as string)), '')
{%- endmacro %}


{#- A timestamp parsed strictly: naive values are UTC, values with an offset are converted to
    UTC; anything unparseable is NULL (the raw text is kept beside it). Needs TimeZone=UTC
    (engine forms: macros/engines/parsing.sql). -#}
{% macro parse_timestamp(column_name) -%}
    {{ typed_or_parsed(column_name, 'timestamp', naive_utc_timestamp(clean_text(column_name))) }}
{%- endmacro %}


{#- A whole number parsed strictly: plain digits with an optional sign and an optional `.0`;
    '2.5', 'abc', '1e2', '1_000' or a value outside the integer range give NULL instead of being
    rounded or read as another number. -#}
{% macro parse_whole_number(column_name) -%}
    {%- set parsed -%}
    case
        when {{ full_match(clean_text(column_name), '[+-]?[0-9]{1,18}([.]0*)?') }}
            then try_cast(try_cast({{ clean_text(column_name) }} as decimal(38, 6)) as integer)
    end
    {%- endset -%}
    {{ typed_or_parsed(column_name, 'whole_number', parsed) }}
{%- endmacro %}


{#- A decimal(18, 4) parsed strictly: digits with an optional sign and decimal point only
    ('1_000', '1e2', '0x10', 'inf' give NULL; DuckDB's own cast would accept some of them). -#}
{% macro parse_decimal(column_name) -%}
    {%- set parsed -%}
    case
        when {{ full_match(clean_text(column_name), '[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)') }}
            then try_cast({{ clean_text(column_name) }} as decimal(18, 4))
    end
    {%- endset -%}
    {{ typed_or_parsed(column_name, 'decimal', parsed) }}
{%- endmacro %}


{#- Longest id (event, user, item, order id, channel) in characters; a longer one is rejected
    as `id_too_long` (a 1 MB id would otherwise be carried through every join and model). -#}
{% macro max_id_length() -%}
    256
{%- endmacro %}


{#- quantity x unit_price as decimal(18, 4) when its absolute value is below 10^10 (ten
    billion in the shop's currency), else NULL: rows above are rejected as
    `value_out_of_range`, so that sums over many lines stay within decimal(18, 4). -#}
{% macro line_amount(quantity, unit_price) -%}
    case
        when abs(cast({{ quantity }} as double) * cast({{ unit_price }} as double)) < 1e10
            then cast({{ quantity }} * {{ unit_price }} as decimal(18, 4))
    end
{%- endmacro %}
