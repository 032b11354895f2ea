{#- Every var that reaches SQL goes through one of these validators: a literal is escaped, a
    number is cast, a date must match YYYY-MM-DD. An invalid value stops the run with a message
    naming the var. -#}

{#- A single-quoted SQL string literal of `value` (NULL for none), escaped for the engine
    (macros/engines/literals.sql). -#}
{% macro sql_string_literal(value) -%}
    {{- return(adapter.dispatch('sql_string_literal', 'customer_intel')(value)) -}}
{%- endmacro %}


{#- The value of a registered var as given: from its environment variable (`env` in its spec)
    when that is set and not empty, else the dbt var. make run passes the run's inputs (data
    path, analysis date, reject share, earliest event date) through the environment: dbt then
    re-parses only the files that read them, where a changed --vars forces a full parse. -#}
{% macro var_value(var_name, default=none) -%}
    {%- set env_name = var('var_specs', {}).get(var_name, {}).get('env') -%}
    {%- if env_name -%}
        {%- set from_env = env_var(env_name, '') | trim -%}
        {%- if from_env != '' -%}
            {%- do return(from_env) -%}
        {%- endif -%}
    {%- endif -%}
    {%- do return(var(var_name, default)) -%}
{%- endmacro %}


{#- The raw data directory (var raw_data_path), without a trailing slash. -#}
{% macro raw_data_path() -%}
    {%- set value = var_value('raw_data_path') | string | trim -%}
    {%- if value == '' or '\n' in value or '\x00' in value -%}
        {{ exceptions.raise_compiler_error("var raw_data_path must be a directory path, got: " ~ value) }}
    {%- endif -%}
    {{- value.rstrip('/') if value != '/' else value -}}
{%- endmacro %}


{#- A validated YYYY-MM-DD var as a SQL date literal, or none when the var is null/empty. -#}
{% macro date_var_literal(var_name) -%}
    {%- set value = var_value(var_name) -%}
    {%- if value is none or (value | string | trim) in ('', 'none', 'None', 'null') -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set text = value | string | trim -%}
    {%- if not is_calendar_date(text) -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be a real date YYYY-MM-DD, got: " ~ text) }}
    {%- endif -%}
    {%- do return("date '" ~ text ~ "'") -%}
{%- endmacro %}


{#- True when `text` is YYYY-MM-DD and names a day of the calendar (2024-02-29 yes, 2023-02-29
    and 2024-13-45 no), checked here so that a bad date never reaches the SQL binder. -#}
{% macro is_calendar_date(text) -%}
    {%- set text = text | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', text) -%}
        {%- do return(false) -%}
    {%- endif -%}
    {%- set year, month, day = text[0:4] | int, text[5:7] | int, text[8:10] | int -%}
    {%- if year < 1 or month < 1 or month > 12 or day < 1 -%}
        {%- do return(false) -%}
    {%- endif -%}
    {%- set next_month = modules.datetime.date(year + (1 if month == 12 else 0), 1 if month == 12 else month + 1, 1) if year < 9999 or month < 12 else none -%}
    {%- set days_in_month = 31 if next_month is none else (next_month - modules.datetime.timedelta(days=1)).day -%}
    {%- do return(day <= days_in_month) -%}
{%- endmacro %}


{#- The load time as a SQL timestamp literal: var load_time (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS),
    else the instant this dbt invocation started (UTC). -#}
{% macro load_time() -%}
    {%- set value = var('load_time', none) -%}
    {%- if value is none or (value | string | trim) in ('', 'none', 'None', 'null') -%}
        timestamp '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}'
    {%- else -%}
        {%- set text = value | string | trim -%}
        {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}( ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])?', text) or not is_calendar_date(text[0:10]) -%}
            {{ exceptions.raise_compiler_error("var load_time must be YYYY-MM-DD[ HH:MM:SS], got: " ~ text) }}
        {%- endif -%}
        timestamp '{{ text }}'
    {%- endif -%}
{%- endmacro %}


{#- A numeric var as a validated float literal within [minimum, maximum]. -#}
{% macro float_var(var_name, minimum, maximum) -%}
    {%- set raw = var_value(var_name) | string | trim -%}
    {%- if not modules.re.fullmatch('[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]{1,3})?', raw) -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be a finite number in [" ~ minimum ~ ", " ~ maximum ~ "], got: " ~ raw) }}
    {%- endif -%}
    {%- set value = raw | float -%}
    {%- if value < minimum or value > maximum -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be a number in [" ~ minimum ~ ", " ~ maximum ~ "], got: " ~ raw) }}
    {%- endif -%}
    {{- value -}}
{%- endmacro %}


{#- An integer var as a validated literal within [minimum, maximum]. -#}
{% macro int_var(var_name, minimum, maximum) -%}
    {%- set raw = var(var_name) | string | trim -%}
    {%- if not modules.re.fullmatch('-?[0-9]+', raw) -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be an integer, got: " ~ raw) }}
    {%- endif -%}
    {%- set value = raw | int -%}
    {%- if value < minimum or value > maximum -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be in [" ~ minimum ~ ", " ~ maximum ~ "], got: " ~ value) }}
    {%- endif -%}
    {{- value -}}
{%- endmacro %}


{#- A boolean var (true/false, also as strings 'true'/'false'/'1'/'0') as a Python bool. -#}
{% macro bool_var(var_name) -%}
    {%- set raw = var(var_name) | string | trim | lower -%}
    {%- if raw in ('true', '1', 'yes') -%}
        {%- do return(true) -%}
    {%- elif raw in ('false', '0', 'no') -%}
        {%- do return(false) -%}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be true or false, got: " ~ var(var_name)) }}
{%- endmacro %}


{#- The spec of var `var_name` in the registry (var `var_specs` in dbt_project.yml). -#}
{% macro var_spec(var_name) -%}
    {%- set specs = var('var_specs', {}) -%}
    {%- if var_name not in specs -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " has no entry in var_specs (dbt_project.yml): add its type, bounds and doc there") }}
    {%- endif -%}
    {%- do return(specs[var_name]) -%}
{%- endmacro %}


{#- A registered var, validated against its spec and returned ready for SQL: an int or number
    literal within [min, max], a Python bool, a date literal (none only for a date var whose
    spec has a `default_doc` for null), the raw path, or the
    text of a choice / text var (callers escape it with sql_string_literal). -#}
{% macro typed_var(var_name) -%}
    {%- set spec = var_spec(var_name) -%}
    {%- set kind = spec.get('type') -%}
    {%- if kind == 'int_or_auto' and var(var_name) | string | trim | lower == 'auto' -%}
        {%- do return('auto') -%}
    {%- elif kind in ('int', 'int_or_auto') -%}
        {%- do return(int_var(var_name, spec.min, spec.max) | trim | int) -%}
    {%- elif kind == 'number' -%}
        {%- do return(float_var(var_name, spec.min, spec.max) | trim | float) -%}
    {%- elif kind == 'bool' -%}
        {%- do return(bool_var(var_name)) -%}
    {%- elif kind == 'date' -%}
        {%- set literal = date_var_literal(var_name) -%}
        {#- null only where the spec says what null means (as_of_date: the latest event) -#}
        {%- if literal is none and spec.get('default_doc') is none -%}
            {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be a real date YYYY-MM-DD, got: " ~ var_value(var_name)) }}
        {%- endif -%}
        {%- do return(literal) -%}
    {%- elif kind == 'timestamp' -%}
        {%- do return(load_time() | trim) -%}
    {%- elif kind == 'path' -%}
        {%- do return(raw_data_path() | trim) -%}
    {%- elif kind == 'choice' -%}
        {%- set value = var_value(var_name) | string | trim | lower -%}
        {%- if value not in spec['values'] -%}
            {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be one of " ~ spec['values'] | join(', ') ~ ", got: " ~ var_value(var_name)) }}
        {%- endif -%}
        {%- do return(value) -%}
    {%- elif kind == 'text' -%}
        {%- set value = var(var_name) -%}
        {%- if value is none or value is mapping or (value is iterable and value is not string) or (value | string | trim) == '' -%}
            {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be a non-empty text, got: " ~ value) }}
        {%- endif -%}
        {%- do return(value | string) -%}
    {%- elif kind == 'audiences' -%}
        {%- do return(var(var_name, [])) -%}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("var_specs: unknown type '" ~ kind ~ "' for var " ~ var_name) }}
{%- endmacro %}


{#- Validate every registered var once at the start of each invocation (on-run-start), so a bad
    value fails fast even when the model that uses it would not read it in this run; the
    Python models' settings are checked here too, before any model trains. -#}
{% macro validate_project_vars() %}
    {%- for var_name in var('var_specs', {}).keys() | sort -%}
        {%- do typed_var(var_name) -%}
    {%- endfor -%}
    {%- if typed_var('segment_k_min') > typed_var('segment_k_max') -%}
        {{ exceptions.raise_compiler_error("var segment_k_min must not exceed segment_k_max") }}
    {%- endif -%}
    select 1
{% endmacro %}
