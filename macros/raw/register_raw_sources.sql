{#-
    Registers the raw contract files of `raw_data_path` as views in the `raw` schema of the
    build database, after checking each against the contract declared in
    models/staging/shop/_shop__sources.yml (the single place the contract is written).

    For every table of source `shop`:
      * the file is `<raw_data_path>/<name>.parquet`, `<name>.csv` (with a header), or a folder
        `<name>/` of `*.parquet` or `*.csv` parts read in file-name order; exactly one form;
      * a missing file fails the run (unless the table's meta says `optional: true`: then an
        empty view with the contract's columns is created);
      * every contract column must be present (case-insensitive); the first missing one fails
        the run with a message naming the file and the column, unless the column's meta says
        `optional: true` (then it reads as NULL). Extra columns are ignored;
      * the view selects the contract columns only (CSV: all as text; staging casts), plus
        `_source_file` (file name) and `_source_row_number` (1-based position in that file).
-#}
{% macro register_raw_sources() %}
    {%- if execute -%}
        {%- set raw_dir = raw_data_path() -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- for source_node in graph.sources.values() | selectattr('source_name', 'equalto', 'shop') | sort(attribute='name') -%}
            {%- do _register_raw_source(raw_dir, source_node) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{% endmacro %}


{% macro _register_raw_source(raw_dir, source_node) %}
    {%- set name = source_node.name -%}
    {%- set contract_columns = source_node.columns.keys() | list -%}
    {%- set reader = _raw_file_reader(raw_dir, name) -%}
    {%- if reader is none -%}
        {%- if source_node.meta.get('optional', false) -%}
            {%- set typed = [] -%}
            {%- for column_name, column in source_node.columns.items() -%}
                {%- do typed.append('cast(null as ' ~ (column.data_type or 'varchar') ~ ') as ' ~ column_name) -%}
            {%- endfor -%}
            {%- do run_query(
                'create or replace view raw.' ~ name ~ ' as select ' ~ typed | join(', ')
                ~ ', cast(null as varchar) as _source_file, cast(null as bigint) as _source_row_number'
                ~ ' where false'
            ) -%}
            {%- do return(none) -%}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "Raw data contract: no file for source table '" ~ name ~ "' in " ~ raw_dir
            ~ ". Expected " ~ name ~ ".parquet, " ~ name ~ ".csv or a folder " ~ name ~ "/ of Parquet or CSV parts."
        ) }}
    {%- endif -%}

    {%- set described = run_query('describe select * from ' ~ reader.sql) -%}
    {%- set present = described.columns[0].values() | map('lower') | list -%}
    {%- for column_name in contract_columns -%}
        {%- if column_name | lower not in present and not source_node.columns[column_name].meta.get('optional', false) -%}
            {{ exceptions.raise_compiler_error(
                "Raw data contract: file " ~ reader.label ~ " is missing required column '" ~ column_name
                ~ "' (source table '" ~ name ~ "'). Columns found: " ~ present | join(', ')
            ) }}
        {%- endif -%}
    {%- endfor -%}

    {%- set select_list = [] -%}
    {%- for column_name in contract_columns -%}
        {%- if column_name | lower in present -%}
            {%- do select_list.append(adapter.quote(column_name)) -%}
        {%- else -%}
            {%- do select_list.append('cast(null as varchar) as ' ~ adapter.quote(column_name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do run_query(
        'create or replace view raw.' ~ name ~ ' as select ' ~ select_list | join(', ')
        ~ ', parse_filename(filename) as _source_file'
        ~ ', ordinality - min(ordinality) over (partition by filename) + 1 as _source_row_number'
        ~ ' from ' ~ reader.sql ~ ' with ordinality'
    ) -%}
{% endmacro %}


{#- Returns {sql: <table function call>, label: <path for messages>} or none when absent. -#}
{% macro _raw_file_reader(raw_dir, name) %}
    {%- set candidates = [
        {'glob': raw_dir ~ '/' ~ name ~ '.parquet', 'format': 'parquet'},
        {'glob': raw_dir ~ '/' ~ name ~ '.csv', 'format': 'csv'},
        {'glob': raw_dir ~ '/' ~ name ~ '/*.parquet', 'format': 'parquet'},
        {'glob': raw_dir ~ '/' ~ name ~ '/*.csv', 'format': 'csv'},
    ] -%}
    {%- set found = [] -%}
    {%- for candidate in candidates -%}
        {%- set hits = run_query('select count(*) from glob(' ~ sql_string_literal(candidate.glob) ~ ')') -%}
        {%- if hits.columns[0].values()[0] > 0 -%}
            {%- do found.append(candidate) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if found | length == 0 -%}
        {%- do return(none) -%}
    {%- elif found | length > 1 -%}
        {{ exceptions.raise_compiler_error(
            "Raw data contract: source table '" ~ name ~ "' is ambiguous in " ~ raw_dir ~ ": found "
            ~ found | map(attribute='glob') | join(' and ') ~ ". Keep exactly one of them."
        ) }}
    {%- endif -%}
    {%- set chosen = found[0] -%}
    {%- set path = sql_string_literal(chosen.glob) -%}
    {%- if chosen.format == 'parquet' -%}
        {%- set call = 'read_parquet(' ~ path ~ ', filename = true, union_by_name = true)' -%}
    {%- else -%}
        {%- set call = 'read_csv(' ~ path ~ ', header = true, all_varchar = true, filename = true, union_by_name = true)' -%}
    {%- endif -%}
    {%- do return({'sql': call, 'label': chosen.glob}) -%}
{% endmacro %}
