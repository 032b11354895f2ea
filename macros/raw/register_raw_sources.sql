{#-
    Registers the raw contract files of `raw_data_path` in the `raw` schema of the build
    database, after checking each against the contract declared in
    models/staging/shop/_shop__sources.yml (the single place the contract is written).

    For every table of source `shop`:
      * the file is `<raw_data_path>/<name>.parquet`, `<name>.csv` (with a header), or a folder
        `<name>/` of `*.parquet` or `*.csv` parts read in file-name order; exactly one form.
        The directory path is taken literally: `[`, `*` and `?` in it are escaped, never globbed;
      * a missing file fails the run (unless the table's meta says `optional: true`: then an
        empty table with the contract's columns is created);
      * every contract column must be present (case-insensitive); the first missing one fails
        the run with a message naming the file and the column, unless the column's meta says
        `optional: true` (then it reads as NULL). Extra columns are ignored;
      * Parquet files become a view; CSV files are loaded into a table (all values as text,
        staging casts). Both carry `_source_file` (file name) and `_source_row_number` (1-based
        position of the record among the file's well-formed records).

    CSV files are read as RFC 4180 with the delimiter taken from the header line (`,` `;` tab
    or `|`, whichever occurs most; `,` on a tie), `"` as quote and escape, strict mode. A record
    that does not parse (wrong number of fields, unterminated quote, invalid UTF-8) is not a
    build failure: DuckDB's reject tables (`store_rejects`) collect it and it lands in
    `raw.malformed_lines` with its file, line number and error, and from there in the
    quarantine as `malformed_csv_line`. A record that spans several lines is one malformed
    record; the line number named is the physical line where it starts (DuckDB's own skips the
    line breaks inside quoted values: `_malformed_records_at_physical_lines` maps it back).
-#}
{% macro duckdb__register_raw_sources() %}
    {%- if execute -%}
        {%- set raw_dir = raw_data_path() -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- do run_query(
            'create or replace table raw.malformed_lines (source_table varchar, source_file varchar,'
            ~ ' line_number bigint, error_type varchar, error_message varchar, raw_line varchar,'
            ~ ' file_unaccounted_lines bigint)'
        ) -%}
        {%- for source_node in graph.sources.values() | selectattr('source_name', 'equalto', 'shop') | sort(attribute='name') -%}
            {%- do _register_raw_source(raw_dir, source_node) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{% endmacro %}


{#- A select of no rows with the contract's columns of a source table (typed as declared) and
    the loader's `_source_file` and `_source_row_number`: an absent optional file (both engines). -#}
{% macro empty_contract_select(source_node) -%}
    {%- set typed = [] -%}
    {%- for column_name, column in source_node.columns.items() -%}
        {%- do typed.append('cast(null as ' ~ (column.data_type or 'string') ~ ') as ' ~ column_name) -%}
    {%- endfor -%}
    select {{ typed | join(', ') }}, cast(null as string) as _source_file, cast(null as bigint) as _source_row_number
    where false
{%- endmacro %}


{#- A path as a DuckDB glob pattern that matches only itself: `[`, `*` and `?` become classes. -#}
{% macro glob_escape(path) -%}
    {{- path | replace('[', '[[]') | replace('*', '[*]') | replace('?', '[?]') -}}
{%- endmacro %}


{% macro _register_raw_source(raw_dir, source_node) %}
    {%- set name = source_node.name -%}
    {%- set existing = run_query(
        "select table_type from information_schema.tables where table_schema = 'raw' and table_name = "
        ~ sql_string_literal(name)
    ) -%}
    {%- for row in existing.rows -%}
        {%- do run_query('drop ' ~ ('view' if row[0] == 'VIEW' else 'table') ~ ' raw.' ~ name) -%}
    {%- endfor -%}
    {%- set found = _raw_files(raw_dir, name) -%}
    {%- if found is none -%}
        {%- if source_node.meta.get('optional', false) -%}
            {%- do run_query('create table raw.' ~ name ~ ' as ' ~ empty_contract_select(source_node)) -%}
            {%- do return(none) -%}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "Raw data contract: no file for source table '" ~ name ~ "' in " ~ raw_dir
            ~ ". Expected " ~ name ~ ".parquet, " ~ name ~ ".csv or a folder " ~ name ~ "/ of Parquet or CSV parts."
        ) }}
    {%- endif -%}
    {%- if found.format == 'parquet' -%}
        {%- do _register_parquet(name, source_node, found) -%}
    {%- else -%}
        {%- do _load_csv_files(name, source_node, found) -%}
    {%- endif -%}
{% endmacro %}


{#- The select list of the contract columns from a file whose columns are `present` (lower-case
    name -> name as written); fails naming the file and the first missing required column. -#}
{% macro _contract_select_list(name, source_node, present, label) %}
    {%- set select_list = [] -%}
    {%- for column_name in source_node.columns.keys() -%}
        {%- if column_name | lower in present -%}
            {%- do select_list.append(adapter.quote(present[column_name | lower]) ~ ' as ' ~ adapter.quote(column_name)) -%}
        {%- elif source_node.columns[column_name].meta.get('optional', false) -%}
            {%- do select_list.append('cast(null as string) as ' ~ adapter.quote(column_name)) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error(
                "Raw data contract: file " ~ label ~ " is missing required column '" ~ column_name
                ~ "' (source table '" ~ name ~ "'). Columns found: " ~ present.values() | join(', ')
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- do return(select_list) -%}
{% endmacro %}


{% macro _register_parquet(name, source_node, found) %}
    {%- set reader = 'read_parquet(' ~ sql_string_literal(found.glob) ~ ', filename = true, union_by_name = true' -%}
    {%- set described = run_query('describe select * from ' ~ reader ~ ')') -%}
    {%- set present = {} -%}
    {%- for column_name in described.columns[0].values() -%}
        {%- do present.update({column_name | lower: column_name}) -%}
    {%- endfor -%}
    {%- set select_list = _contract_select_list(name, source_node, present, found.pattern) -%}
    {%- do run_query(
        'create or replace view raw.' ~ name ~ ' as select ' ~ select_list | join(', ')
        ~ ', parse_filename(filename) as _source_file'
        ~ ', file_row_number + 1 as _source_row_number'
        ~ ' from ' ~ reader ~ ', file_row_number = true)'
    ) -%}
{% endmacro %}


{#- Loads every CSV file of a table (in file-name order) into raw.<name>; malformed records go
    to raw.malformed_lines. -#}
{% macro _load_csv_files(name, source_node, found) %}
    {%- set column_defs = [] -%}
    {%- for column_name in source_node.columns.keys() -%}
        {%- do column_defs.append(adapter.quote(column_name) ~ ' varchar') -%}
    {%- endfor -%}
    {%- do run_query(
        'create table raw.' ~ name ~ ' (' ~ column_defs | join(', ')
        ~ ', _source_file varchar, _source_row_number bigint)'
    ) -%}
    {%- for path in found.files -%}
        {%- do _load_csv_file(name, source_node, path) -%}
    {%- endfor -%}
{% endmacro %}


{% macro _load_csv_file(name, source_node, path) %}
    {%- set literal = sql_string_literal(glob_escape(path)) -%}
    {%- set file_name = path.split('/')[-1] -%}
    {#- the file's physical lines, each read as one text value (no delimiter, no quoting) -#}
    {%- set line_reader = 'read_csv(' ~ literal ~ ", columns = {'line': 'VARCHAR'}, header = false,"
        ~ " auto_detect = false, delim = chr(31), quote = '', escape = ''" -%}
    {%- set physical_lines = line_reader ~ ')' -%}
    {#- the header line -#}
    {%- set header_rows = run_query('select line from ' ~ physical_lines ~ ' limit 1') -%}
    {%- if header_rows.rows | length == 0 or (header_rows.rows[0][0] or '') | trim == '' -%}
        {{ exceptions.raise_compiler_error(
            "Raw data contract: file " ~ path ~ " (source table '" ~ name ~ "') is empty or its first line is blank;"
            ~ " a CSV file needs a header line naming its columns."
        ) }}
    {%- endif -%}
    {%- set header = header_rows.rows[0][0] -%}
    {%- set ns = namespace(delim=',', best=header.count(',')) -%}
    {%- for candidate in [';', '\t', '|'] -%}
        {%- if header.count(candidate) > ns.best -%}
            {%- set ns.delim = candidate -%}
            {%- set ns.best = header.count(candidate) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set present = {} -%}
    {%- set columns_struct = [] -%}
    {%- for raw_name in header.split(ns.delim) -%}
        {%- set column_name = raw_name | trim | replace('"', '') -%}
        {%- if column_name == '' or column_name | lower in present -%}
            {{ exceptions.raise_compiler_error(
                "Raw data contract: file " ~ path ~ " has an empty or repeated column name in its header line: " ~ header
            ) }}
        {%- endif -%}
        {%- do present.update({column_name | lower: column_name}) -%}
        {%- do columns_struct.append(sql_string_literal(column_name) ~ ": 'VARCHAR'") -%}
    {%- endfor -%}
    {%- set select_list = _contract_select_list(name, source_node, present, path) -%}
    {%- set rejects = '_rejects_' ~ name -%}
    {%- do run_query(
        'insert into raw.' ~ name ~ ' by name select ' ~ select_list | join(', ')
        ~ ', ' ~ sql_string_literal(file_name) ~ ' as _source_file, ordinality as _source_row_number'
        ~ ' from read_csv(' ~ literal ~ ', columns = {' ~ columns_struct | join(', ') ~ '}, header = true,'
        ~ ' auto_detect = false, delim = ' ~ sql_string_literal(ns.delim) ~ ", quote = '\"', escape = '\"',"
        ~ ' strict_mode = true, store_rejects = true,'
        ~ " rejects_table = '" ~ rejects ~ "_errors', rejects_scan = '" ~ rejects ~ "_scans')"
        ~ ' with ordinality'
    ) -%}
    {#- Only a file with malformed records is read a second time (nothing more for a clean file) -#}
    {%- set malformed_count = run_query('select count(distinct line) from ' ~ rejects ~ '_errors').rows[0][0] -%}
    {%- if malformed_count > 0 -%}
        {#- the physical lines again, as Latin-1: every byte is one character, so a line with
            invalid UTF-8 (itself a malformed record) reads too, and `"`, the delimiter and the
            line breaks, one byte each in UTF-8, are found byte for byte -#}
        {%- set byte_lines = line_reader ~ ", encoding = 'latin-1')" -%}
        {%- set record_rows = run_query(
            'select count(*) from raw.' ~ name ~ ' where _source_file = ' ~ sql_string_literal(file_name)
        ) -%}
        {#- one row per malformed record (a record can raise several errors; the first is named),
            at the physical line where it starts -#}
        {%- do run_query(
            'insert into raw.malformed_lines ' ~ _malformed_records_at_physical_lines(
                name, file_name, rejects ~ '_errors', byte_lines, ns.delim,
                record_rows.rows[0][0] + malformed_count
            )
        ) -%}
    {%- endif -%}
    {%- do run_query('drop table if exists ' ~ rejects ~ '_errors') -%}
    {%- do run_query('drop table if exists ' ~ rejects ~ '_scans') -%}
{% endmacro %}


{#- The select of raw.malformed_lines' rows for one file: one row per malformed record of
    `errors` (DuckDB's reject table), named by the physical line where the record starts.

    DuckDB's reject `line` counts the file's lines outside quoted values: the header is line 1 and
    a blank line counts, but the line breaks inside a quoted value (valid or not) do not, so after
    a value over several lines every number is too small. The physical lines (`lines`, Latin-1)
    are mapped back: a physical line starts a record, or is a blank line between records, when it
    begins outside quotes, and the n-th such line is DuckDB's line n. Whether a line begins inside
    quotes follows DuckDB's strict reader, not a count of `"`: a quote opens a value only at the
    start of a field (after at most one space); inside, `""` is a quote; after the closing quote
    the rest of the field is read on (an error, not a quote); a `"` inside an unquoted field is a
    character (`32" TV` is a valid value, and would make a plain count of `"` odd for the rest of
    the file). Each line ends inside quotes or not as a function of how it begins: both cases are
    one regular expression each (`opens`: begun outside, ends inside; `stays`: begun inside, ends
    inside). A line whose two answers are equal sets the state, one with `opens` only flips it,
    the rest (most lines) keep it; the state at a line is the last setting line's value flipped
    by the flips since. `accounted` is the file's well-formed and malformed record count; the
    non-blank data lines beyond it are `file_unaccounted_lines`. -#}
{% macro _malformed_records_at_physical_lines(name, file_name, errors, lines, delim, accounted) -%}
    {#- the delimiter in a bracket expression and outside one (RE2 syntax) -#}
    {%- set d_in = '\\t' if delim == '\t' else delim -%}
    {%- set d_out = '\\t' if delim == '\t' else ('\\|' if delim == '|' else delim) -%}
    {#- a quoted field (closed, then the rest of the field), an unquoted one, a quote left open -#}
    {%- set quoted = ' ?"(?:[^"]|"")*"(?:[^"' ~ d_in ~ '][^' ~ d_in ~ ']*)?' -%}
    {%- set unquoted = '(?:[^"' ~ d_in ~ ' ][^' ~ d_in ~ ']*| [^"' ~ d_in ~ '][^' ~ d_in ~ ']*| ?)' -%}
    {%- set field = '(?:' ~ quoted ~ '|' ~ unquoted ~ ')' -%}
    {%- set left_open = ' ?"(?:[^"]|"")*' -%}
    {%- set opens = '(?:' ~ field ~ d_out ~ ')*' ~ left_open -%}
    {%- set stays = '(?:[^"]|"")*(?:"(?:[^"' ~ d_in ~ '][^' ~ d_in ~ ']*)?(?:' ~ d_out ~ field ~ ')*' ~ d_out ~ left_open ~ ')?' -%}
    with

    malformed as (
        select
            line,
            arg_min(error_type, column_idx) as error_type,
            arg_min(error_message, column_idx) as error_message,
            left(arg_min(csv_line, column_idx), 1000) as raw_line
        from {{ errors }}
        group by line
    ),

    physical as (
        select
            ordinality as physical_line,
            coalesce(line, '') as line
        from {{ lines }} with ordinality
    ),

    quoting as (
        select
            physical_line,
            regexp_full_match(line, {{ sql_string_literal(opens) }}) as opens,
            regexp_full_match(line, {{ sql_string_literal(stays) }}) as stays
        from physical
    ),

    flips as (
        select
            physical_line,
            opens,
            stays,
            (opens and not stays)::integer as flip,
            sum((opens and not stays)::integer) over (
                order by physical_line rows between unbounded preceding and current row
            ) as flips_through
        from quoting
    ),

    line_starts as (
        select
            physical_line,
            (
                coalesce(last_value(case when opens = stays then (opens::integer + flips_through) % 2 end ignore nulls) over (
                    order by physical_line rows between unbounded preceding and 1 preceding
                ), 0)
                + flips_through - flip
            ) % 2 = 1 as begins_in_quotes
        from flips
    ),

    logical_lines as (
        select
            physical_line,
            row_number() over (order by physical_line) as line
        from line_starts
        where not begins_in_quotes
    ),

    unaccounted as (
        select greatest(count(*) filter (where trim(line) != '') - 1 - {{ accounted }}, 0) as lines
        from physical
    )

    select
        {{ sql_string_literal(name) }} as source_table,
        {{ sql_string_literal(file_name) }} as source_file,
        coalesce(logical_lines.physical_line, malformed.line) as line_number,
        malformed.error_type,
        malformed.error_message,
        malformed.raw_line,
        unaccounted.lines as file_unaccounted_lines
    from malformed
    left join logical_lines on malformed.line = logical_lines.line
    cross join unaccounted
{%- endmacro %}


{#- {format, pattern, files} of the one form present for table `name`, or none when absent. -#}
{% macro _raw_files(raw_dir, name) %}
    {%- set candidates = [
        {'pattern': raw_dir ~ '/' ~ name ~ '.parquet', 'glob': glob_escape(raw_dir ~ '/' ~ name) ~ '.parquet', 'format': 'parquet'},
        {'pattern': raw_dir ~ '/' ~ name ~ '.csv', 'glob': glob_escape(raw_dir ~ '/' ~ name) ~ '.csv', 'format': 'csv'},
        {'pattern': raw_dir ~ '/' ~ name ~ '/*.parquet', 'glob': glob_escape(raw_dir ~ '/' ~ name) ~ '/*.parquet', 'format': 'parquet'},
        {'pattern': raw_dir ~ '/' ~ name ~ '/*.csv', 'glob': glob_escape(raw_dir ~ '/' ~ name) ~ '/*.csv', 'format': 'csv'},
    ] -%}
    {%- set found = [] -%}
    {%- for candidate in candidates -%}
        {%- set hits = run_query('select file from glob(' ~ sql_string_literal(candidate.glob) ~ ') order by file') -%}
        {%- if hits.rows | length > 0 -%}
            {%- do found.append({
                'format': candidate.format,
                'pattern': candidate.pattern,
                'glob': candidate.glob,
                'files': hits.columns[0].values() | list,
            }) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if found | length == 0 -%}
        {%- do return(none) -%}
    {%- elif found | length > 1 -%}
        {{ exceptions.raise_compiler_error(
            "Raw data contract: source table '" ~ name ~ "' is ambiguous in " ~ raw_dir ~ ": found "
            ~ found | map(attribute='pattern') | join(' and ') ~ ". Keep exactly one of them."
        ) }}
    {%- endif -%}
    {%- do return(found[0]) -%}
{% endmacro %}
