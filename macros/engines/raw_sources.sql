{#- Registration of the raw contract files (on-run-start hook). DuckDB: the strict loader in
    macros/raw/ (Parquet as views, CSV through DuckDB's reject tables). Spark: Parquet only, read
    with Spark's own reader. -#}
{% macro register_raw_sources() %}
    {{ return(adapter.dispatch('register_raw_sources', 'customer_intel')()) }}
{% endmacro %}


{#- Spark: each table of source `shop` from `<raw_data_path>/<name>.parquet` or a folder
    `<name>/` of Parquet parts, checked against the contract like the DuckDB loader (a missing
    required column stops the run naming the file and the column), as a view in schema `raw`
    with `_source_file` (Spark's `_metadata.file_name`) and `_source_row_number` (1 +
    `_metadata.row_index`, the row's position in its file). The files are found by listing the
    directory through Spark's `binaryFile` source (only paths are read). A CSV file stops the run:
    the strict CSV loader with its quarantine of malformed lines is DuckDB's. `raw.malformed_lines`
    exists and is empty. -#}
{% macro spark__register_raw_sources() %}
    {%- if execute -%}
        {%- set raw_dir = raw_data_path() -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- do run_query('drop table if exists raw.malformed_lines') -%}
        {%- do run_query(
            'create table raw.malformed_lines (source_table string, source_file string,'
            ~ ' line_number bigint, error_type string, error_message string, raw_line string,'
            ~ ' file_unaccounted_lines bigint) using parquet'
        ) -%}
        {%- set listed = run_query(
            "select path from binaryFile.`" ~ spark_glob_escape(raw_dir) ~ "/*` order by path"
        ) -%}
        {%- set relative = [] -%}
        {%- for row in listed.rows -%}
            {%- set path = row[0] -%}
            {%- set marker = raw_dir ~ '/' -%}
            {%- if marker in path -%}
                {%- do relative.append(path.split(marker, 1)[1]) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for source_node in graph.sources.values() | selectattr('source_name', 'equalto', 'shop') | sort(attribute='name') -%}
            {%- do _spark_register_raw_source(raw_dir, source_node, relative) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{% endmacro %}


{#- A path as a Hadoop glob that matches only itself, safe inside a backquoted identifier. -#}
{% macro spark_glob_escape(path) -%}
    {{- path | replace('\\', '\\\\') | replace('{', '\\{') | replace('}', '\\}') | replace('[', '\\[')
        | replace(']', '\\]') | replace('*', '\\*') | replace('?', '\\?') | replace('`', '``') -}}
{%- endmacro %}


{% macro _spark_register_raw_source(raw_dir, source_node, relative) %}
    {%- set name = source_node.name -%}
    {#- Spark refuses `drop view` on a table and `drop table` on a view: ask which it is -#}
    {%- set views = run_query("show views in raw like " ~ sql_string_literal(name)) -%}
    {%- do run_query(('drop view if exists raw.' if views.rows | length > 0 else 'drop table if exists raw.') ~ name) -%}
    {%- set single = name ~ '.parquet' in relative -%}
    {%- set parts = [] -%}
    {%- set csv = [] -%}
    {%- for path in relative -%}
        {%- set in_folder = path.startswith(name ~ '/') and '/' not in path[name | length + 1:] -%}
        {%- if in_folder and path.endswith('.parquet') -%}
            {%- do parts.append(path) -%}
        {%- elif path == name ~ '.csv' or (in_folder and path.endswith('.csv')) -%}
            {%- do csv.append(path) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if csv -%}
        {{ exceptions.raise_compiler_error(
            "Raw data contract: source table '" ~ name ~ "' is CSV in " ~ raw_dir ~ ". On Spark the raw"
            ~ " files must be Parquet (the strict CSV loader and its quarantine of malformed lines are"
            ~ " the DuckDB build's); convert the file, e.g. with DuckDB: COPY (FROM 'x.csv') TO 'x.parquet'."
        ) }}
    {%- endif -%}
    {%- if single and parts | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "Raw data contract: source table '" ~ name ~ "' is ambiguous in " ~ raw_dir ~ ": found "
            ~ name ~ ".parquet and " ~ name ~ "/*.parquet. Keep exactly one of them."
        ) }}
    {%- endif -%}
    {%- if not single and parts | length == 0 -%}
        {%- if source_node.meta.get('optional', false) -%}
            {%- do run_query('create table raw.' ~ name ~ ' using parquet as ' ~ empty_contract_select(source_node)) -%}
            {%- do return(none) -%}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "Raw data contract: no file for source table '" ~ name ~ "' in " ~ raw_dir
            ~ ". Expected " ~ name ~ ".parquet or a folder " ~ name ~ "/ of Parquet parts (on Spark)."
        ) }}
    {%- endif -%}
    {%- set location = raw_dir ~ '/' ~ (name ~ '.parquet' if single else name) -%}
    {%- set reader = 'parquet.`' ~ spark_glob_escape(location) ~ '`' -%}
    {%- set probe = run_query('select * from ' ~ reader ~ ' limit 0') -%}
    {%- set present = {} -%}
    {%- for column_name in probe.column_names -%}
        {%- do present.update({column_name | lower: column_name}) -%}
    {%- endfor -%}
    {%- set select_list = _contract_select_list(name, source_node, present, location) -%}
    {%- do run_query(
        'create or replace view raw.' ~ name ~ ' as select ' ~ select_list | join(', ')
        ~ ', _metadata.file_name as _source_file'
        ~ ', _metadata.row_index + 1 as _source_row_number'
        ~ ' from ' ~ reader
    ) -%}
{% endmacro %}
