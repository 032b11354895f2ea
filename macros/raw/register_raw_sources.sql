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
    record (its first line is named).
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
    {%- set physical_lines = 'read_csv(' ~ literal ~ ", columns = {'line': 'VARCHAR'}, header = false,"
        ~ " auto_detect = false, delim = chr(31), quote = '', escape = '')" -%}
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
    {#- the lines of the file no record accounts for: a quote opened and never closed makes the
        reader take every line up to the next quote character (maybe the rest of the file) into
        one malformed record. Counted only for a file with malformed records: a valid quoted
        value over several lines adds lines too, and those are attributed to them as well. -#}
    {%- set unaccounted = '0' -%}
    {%- set malformed_count = run_query('select count(distinct line) from ' ~ rejects ~ '_errors').rows[0][0] -%}
    {%- if malformed_count > 0 -%}
        {%- set line_rows = run_query(
            'select count(*) filter (where nullif(trim(line), \'\') is not null) - 1 from ' ~ physical_lines
        ) -%}
        {%- set record_rows = run_query(
            'select count(*) from raw.' ~ name ~ ' where _source_file = ' ~ sql_string_literal(file_name)
        ) -%}
        {%- set unaccounted = [line_rows.rows[0][0] - record_rows.rows[0][0] - malformed_count, 0] | max -%}
    {%- endif -%}
    {#- one row per malformed record (a record can raise several errors; the first is named) -#}
    {%- do run_query(
        'insert into raw.malformed_lines select ' ~ sql_string_literal(name) ~ ', '
        ~ sql_string_literal(file_name) ~ ', line,'
        ~ ' arg_min(error_type, column_idx), arg_min(error_message, column_idx),'
        ~ ' left(arg_min(csv_line, column_idx), 1000), ' ~ unaccounted
        ~ ' from ' ~ rejects ~ '_errors group by line'
    ) -%}
    {%- do run_query('drop table if exists ' ~ rejects ~ '_errors') -%}
    {%- do run_query('drop table if exists ' ~ rejects ~ '_scans') -%}
{% endmacro %}


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
