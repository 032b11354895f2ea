{#-
    Quintile score 1..5 of `column_name` over all rows of the query (5 = best), computed from the
    mid-rank percentile p = (rows strictly worse + half the rows with an equal value) / rows:
    score = 1 + floor(5 * p), in exact integer arithmetic. Properties:
      * ties never split: equal values always get the same score;
      * with n distinct values and n divisible by 5, each score holds exactly n / 5 rows;
      * a single row, or a population where every value is equal, gets the neutral score 3;
      * small populations (< 5 rows) spread over the scale by position: 2 distinct values
        score 2 and 4, 3 values 1, 3 and 5, 4 values 1, 2, 4 and 5.
    `higher_is_better`: true for frequency and monetary, false for recency_days.
-#}
{% macro tie_aware_quintile(column_name, higher_is_better=true) -%}
    {#- NULLs placed explicitly where DuckDB puts them by default (last; Spark's ASC puts them first) -#}
    {%- set direction = 'asc nulls last' if higher_is_better else 'desc nulls last' -%}
    cast(
        1 + floor(
            (
                5 * (
                    2 * (rank() over (order by {{ column_name }} {{ direction }}) - 1)
                    + count(*) over (partition by {{ column_name }})
                )
            ) / (2 * count(*) over ())
        )
        as integer
    )
{%- endmacro %}
