{#-
    Audience definitions (var `audiences`) turned into SQL, safely. Each condition names a column
    of customer_360 (checked against its documented contract columns), an operator from a fixed
    list and a value that must fit the column's type: numbers are checked, booleans checked, text
    becomes an escaped literal. Anything else stops the run with a message naming the audience.
-#}

{% macro audience_definitions() %}
    {#- the graph (for the column types) is complete only once parsing is over -#}
    {%- if not execute -%}
        {%- do return([]) -%}
    {%- endif -%}
    {%- set audiences = typed_var('audiences') -%}
    {%- set columns = _customer_360_column_types() -%}
    {%- set names = [] -%}
    {%- set checked = [] -%}
    {#- every problem of every audience is collected, then reported together in one message -#}
    {%- set errors = [] -%}
    {%- for audience in audiences -%}
        {%- set name = audience.get('name') if audience is mapping else none -%}
        {%- if name is none or not modules.re.fullmatch('[a-z][a-z0-9_]{0,62}', name | string) -%}
            {%- do errors.append("audiences: every audience needs a name of lowercase letters, digits and _ (got " ~ audience ~ ")") -%}
        {%- elif name in names -%}
            {%- do errors.append("audience '" ~ name ~ "' is defined twice") -%}
        {%- else -%}
            {%- do names.append(name) -%}
            {%- set found = errors | length -%}
            {%- set priority = audience.get('priority') -%}
            {%- if priority is none or not modules.re.fullmatch('[0-9]{1,6}', priority | string) -%}
                {%- do errors.append("audience '" ~ name ~ "': priority must be a whole number, got " ~ priority) -%}
            {%- endif -%}
            {%- set conditions = audience.get('conditions') or [] -%}
            {%- if conditions | length == 0 -%}
                {%- do errors.append("audience '" ~ name ~ "': needs at least one condition") -%}
            {%- endif -%}
            {%- set rendered = [] -%}
            {%- set standard = [] -%}
            {%- for condition in conditions -%}
                {%- do rendered.append(_audience_condition(name, condition, columns, errors)) -%}
                {#- the same condition in standard SQL, for the catalog (problems already reported) -#}
                {%- do standard.append(_audience_condition(name, condition, columns, [], true)) -%}
            {%- endfor -%}
            {%- if errors | length == found -%}
                {%- do checked.append({
                    'name': name,
                    'purpose': audience.get('purpose') or '',
                    'priority': priority | int,
                    'sql': rendered | join(' and '),
                    'standard_sql': standard | join(' and '),
                }) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if errors -%}
        {{ exceptions.raise_compiler_error("invalid var audiences (" ~ errors | length ~ (" problem" if errors | length == 1 else " problems") ~ "):\n  - " ~ errors | join("\n  - ")) }}
    {%- endif -%}
    {%- do return(checked) -%}
{% endmacro %}


{% macro _customer_360_column_types() %}
    {%- set found = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == 'customer_360' -%}
        {%- for column_name, column in node.columns.items() -%}
            {%- do found.update({column_name: (column.data_type or 'varchar') | lower}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- do return(found) -%}
{% endmacro %}


{#- One condition as a predicate in the engine's SQL, or (standard=true) in standard SQL:
    identifiers in double quotes, text literals with doubled quotes. -#}
{% macro _audience_condition(name, condition, columns, errors, standard=false) %}
    {%- set operators = ['=', '!=', '<', '<=', '>', '>=', 'in', 'not_in', 'is_null', 'is_not_null'] -%}
    {%- set column = condition.get('column') if condition is mapping else none -%}
    {%- set operator = (condition.get('operator') if condition is mapping else none) | string | lower -%}
    {%- if column is not string or column not in columns -%}
        {%- do errors.append("audience '" ~ name ~ "': unknown column '" ~ column ~ "' (customer_360 has: " ~ columns.keys() | sort | join(', ') ~ ")") -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- if operator not in operators -%}
        {%- do errors.append("audience '" ~ name ~ "': unknown operator '" ~ operator ~ "' on " ~ column ~ " (allowed: " ~ operators | join(' ') ~ ")") -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set data_type = columns[column] -%}
    {%- if data_type.endswith('[]') or data_type.startswith('array') -%}
        {%- do errors.append("audience '" ~ name ~ "': list column '" ~ column ~ "' cannot be used in a condition") -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- if operator == 'is_null' -%}
        {%- do return(_audience_identifier(column, standard) ~ ' is null') -%}
    {%- elif operator == 'is_not_null' -%}
        {%- do return(_audience_identifier(column, standard) ~ ' is not null') -%}
    {%- endif -%}
    {%- set value = condition.get('value') -%}
    {%- if value is none -%}
        {%- do errors.append("audience '" ~ name ~ "': operator " ~ operator ~ " on " ~ column ~ " needs a value (for missing values use is_null / is_not_null)") -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- if operator in ['in', 'not_in'] -%}
        {%- if value is string or value is not iterable or value | length == 0 -%}
            {%- do errors.append("audience '" ~ name ~ "': operator " ~ operator ~ " on " ~ column ~ " needs a non-empty list value") -%}
            {%- do return(none) -%}
        {%- endif -%}
        {%- set literals = [] -%}
        {%- for item in value -%}
            {%- do literals.append(_audience_literal(name, column, data_type, item, errors, standard)) -%}
        {%- endfor -%}
        {%- do return(_audience_identifier(column, standard) ~ (' in (' if operator == 'in' else ' not in (') ~ literals | join(', ') ~ ')') -%}
    {%- endif -%}
    {%- do return(_audience_identifier(column, standard) ~ ' ' ~ operator ~ ' ' ~ _audience_literal(name, column, data_type, value, errors, standard)) -%}
{% endmacro %}


{#- A customer_360 column (already checked against its columns) quoted for the engine, or in
    standard SQL's double quotes. -#}
{% macro _audience_identifier(column, standard=false) -%}
    {%- do return('"' ~ column ~ '"' if standard else adapter.quote(column)) -%}
{%- endmacro %}


{% macro _audience_literal(name, column, data_type, value, errors, standard=false) %}
    {%- set text = value | string | trim -%}
    {%- if value is none or value is mapping or (value is iterable and value is not string) -%}
        {%- do errors.append("audience '" ~ name ~ "': " ~ column ~ " needs a single value, got " ~ value) -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- if data_type in ['integer', 'bigint', 'double'] or data_type.startswith('decimal') -%}
        {#- at most 15 digits before and 6 after the point: exact in a double, no overflow -#}
        {%- if value is boolean or not modules.re.fullmatch('-?[0-9]{1,15}(\\.[0-9]{1,6})?', text) -%}
            {%- do errors.append("audience '" ~ name ~ "': " ~ column ~ " is numeric (at most 15 digits, 6 decimals), got " ~ value) -%}
            {%- do return(none) -%}
        {%- endif -%}
        {%- do return(text) -%}
    {%- elif data_type == 'boolean' -%}
        {%- if text | lower not in ['true', 'false'] -%}
            {%- do errors.append("audience '" ~ name ~ "': " ~ column ~ " is boolean, got " ~ value) -%}
            {%- do return(none) -%}
        {%- endif -%}
        {%- do return(text | lower) -%}
    {%- elif data_type == 'date' -%}
        {%- if not is_calendar_date(text) -%}
            {%- do errors.append("audience '" ~ name ~ "': " ~ column ~ " is a real date YYYY-MM-DD, got " ~ value) -%}
            {%- do return(none) -%}
        {%- endif -%}
        {%- do return("date '" ~ text ~ "'") -%}
    {%- endif -%}
    {%- do return("'" ~ text | replace("'", "''") ~ "'" if standard else sql_string_literal(text)) -%}
{% endmacro %}
