{#- BG/NBD and Gamma-Gamma scoring in SQL: the closed forms of customer_intel.ml.clv, term for
    term (pytest tests/python/test_clv.py checks them against the Python reference to 1e-9). -#}

{#- ln |(q)_k|, the rising factorial q (q+1) ... (q+k-1) (macro log_abs_gamma: ln |Gamma|). -#}
{% macro clv_log_abs_pochhammer(q, k) -%}
    ({{ log_abs_gamma(q ~ ' + ' ~ k) }} - {{ log_abs_gamma(q) }})
{%- endmacro %}


{#- How many of the factors q, q+1, ..., q+k-1 are negative (the sign of (q)_k is minus when
    it is odd). -#}
{% macro clv_negative_factors(q, k) -%}
    least({{ k }}, greatest(0, cast(ceil(-({{ q }})) as bigint)))
{%- endmacro %}


{#- ln |T_k| of the series S = 2F1(u1, u2; c; z) = sum over k of (u1)_k (u2)_k / ((c)_k k!) z^k. -#}
{% macro clv_log_abs_term(k) -%}
    (
        {{ clv_log_abs_pochhammer('upper_1', k) }}
        + {{ clv_log_abs_pochhammer('upper_2', k) }}
        - {{ clv_log_abs_pochhammer('lower_c', k) }}
        - {{ log_abs_gamma(k ~ ' + 1') }}
        + {{ k }} * {{ libm_ln('z') }}
    )
{%- endmacro %}


{#- A select giving, per row of `inputs` (a relation or CTE name with columns `key_columns`,
    frequency, age_days, horizon_days and the BG/NBD parameters r, alpha, a, b; rows with NULL
    parameters are left out), the series S = 2F1(a+b-1-r, a-1; a+b+x-1; z) with
    z = t / (alpha + T + t), summed over `series_terms` terms, and that number.

    Why this series: BG/NBD's expected purchases are
    (a+b+x-1)/(a-1) [1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)] P(alive), and Euler's
    transformation gives (1-z)^(r+x) 2F1(r+x, b+x; c; z) = (1-z)^(a-1) S. S's lower parameter
    grows with x and its upper ones do not, so its terms fall fast for frequent buyers (the
    direct series needs thousands of terms at x = 50, z = 0.95). Each term is computed in log
    space (lgamma) with its sign, and the sum is ordered by k so every run adds in the same order.

    How many terms (customer_intel.ml.clv.series_plan, the same rule): from K0 (every factor
    positive) the term ratio z (u1+k)/(c+k) (u2+k)/(1+k) is at most rho = z when a <= 2; when
    a > 2 it is at most rho = sqrt(z) from the first K >= K0 with z (u2+K)/(1+K) <= rho. The
    terms after N >= K then add up to at most |T_N| / (1 - rho) <= |T_K| rho^(N-K) / (1 - rho),
    which must stay below `tolerance` / (|c / (a-1)| (1-z)^(a-1)) so that the expected number of
    purchases is off by less than `tolerance`. N is the first of K + ceil(1.25^j) - 1 whose own
    |T_N| meets it (a grid of at most 160 lgamma checks), else the count the K bound gives. -#}
{% macro clv_series_sum(inputs, key_columns, tolerance=1e-12) -%}
    {%- set keys = key_columns | join(', ') %}
    with

    clv_series_inputs as (
        select
            {{ keys }},
            a,
            horizon_days / (alpha + age_days + horizon_days) as z,
            a + b - 1 - r as upper_1,
            a - 1 as upper_2,
            a + b + frequency - 1 as lower_c
        from {{ inputs }}
        where r is not null and alpha is not null and a is not null and b is not null
    ),

    clv_series_start as (
        select
            *,
            case when a <= 2 then z else sqrt(z) end as rho,
            greatest(
                case
                    when least(upper_1, upper_2, lower_c) <= 0
                        then cast(floor(-least(upper_1, upper_2, lower_c)) as bigint) + 1
                    else 0
                end,
                case when a > 2 then cast(ceil((a - 2) / (1 / sqrt(z) - 1) - 1) as bigint) else 0 end,
                0
            ) as start_k
        from clv_series_inputs
    ),

    clv_series_limit as (
        -- the largest |T_n| (n >= K) whose tail is within tolerance
        select
            *,
            {{ libm_ln(tolerance) }} + {{ libm_ln('abs(upper_2)') }} - {{ libm_ln('abs(lower_c)') }}
            - upper_2 * {{ libm_ln('1 - z') }} + {{ libm_ln('1 - rho') }}
                as log_limit
        from clv_series_start
    ),

    clv_series_bound as (
        -- a term count that |T_n| <= |T_K| rho^(n-K) guarantees
        select
            *,
            start_k + greatest(
                1,
                cast(ceil((log_limit - {{ clv_log_abs_term('start_k') }}) / {{ libm_ln('rho') }}) as bigint)
            ) as bound_terms
        from clv_series_limit
    ),

    clv_series_grid as (
        -- usually far fewer: the first n = K + ceil(1.25^j) - 1 below the bound whose own |T_n|
        -- is within the limit
        select
            {{ keys }},
            min(grid.candidate_terms) as grid_terms
        from (
            select
                clv_series_bound.*,
                clv_series_bound.start_k + cast(ceil(pow(1.25, steps.step)) as bigint) - 1 as candidate_terms
            from clv_series_bound
            cross join (select {{ unnest_range(0, 160) }} as step) as steps
        ) as grid
        where
            grid.candidate_terms < grid.bound_terms
            and {{ clv_log_abs_term('grid.candidate_terms') }} <= grid.log_limit
        group by {{ keys }}
    ),

    clv_series_plan as (
        select
            clv_series_bound.*,
            -- (DuckDB's greatest skips NULLs: no grid count must mean the bound, never 1)
            case
                when clv_series_grid.grid_terms is null then clv_series_bound.bound_terms
                else greatest(clv_series_grid.grid_terms, 1)
            end as series_terms
        from clv_series_bound
        left join clv_series_grid
            on {% for key in key_columns %}{{ 'and ' if not loop.first }}clv_series_bound.{{ key }} = clv_series_grid.{{ key }}{{ ' ' }}{% endfor %}
    ),

    clv_series_term_numbers as (
        select
            clv_series_plan.*,
            {{ unnest_range(0, 'clv_series_plan.series_terms') }} as term_number
        from clv_series_plan
    ),

    clv_series_terms as (
        select
            clv_series_term_numbers.*,
            cast(clv_series_term_numbers.term_number as double) as k
        from clv_series_term_numbers
    ),

    clv_series_term_values as (
        -- (each term in a select of its own: Spark's log-gamma cannot sit inside an aggregate)
        select
            {{ keys }},
            series_terms,
            k,
            case
                when (
                    {{ clv_negative_factors('upper_1', 'k') }}
                    + {{ clv_negative_factors('upper_2', 'k') }}
                    + {{ clv_negative_factors('lower_c', 'k') }}
                ) % 2 = 1
                    then -1.0
                else 1.0
            end
            * {{ libm_exp(clv_log_abs_term('k')) }} as term_value
        from clv_series_terms
    ),

    clv_series as (
        select
            {{ keys }},
            max(series_terms) as series_terms,
            {{ sequential_sum('term_value', 'k') }} as series_sum
        from clv_series_term_values
        group by {{ keys }}
    )

    select * from clv_series
{%- endmacro %}


{#- P(alive | x, t_x, T) = 1 / (1 + [x > 0] a / (b+x-1) ((alpha+T) / (alpha+t_x))^(r+x)); the
    power is taken in log space (it overflows to infinity, and P(alive) to 0, for a frequent
    buyer who stopped long ago). NULL without parameters (BG/NBD not fitted). -#}
{% macro clv_p_alive(frequency='frequency', recency_days='recency_days', age_days='age_days') -%}
    case
        when r is null or alpha is null or a is null or b is null then cast(null as double)
        when {{ frequency }} = 0 then cast(1 as double)
        else
            1 / (
                1 + {{ libm_exp(
                    libm_ln('a') ~ ' - ' ~ libm_ln('b + ' ~ frequency ~ ' - 1')
                    ~ ' + (r + ' ~ frequency ~ ') * ('
                    ~ libm_ln('alpha + ' ~ age_days) ~ ' - ' ~ libm_ln('alpha + ' ~ recency_days) ~ ')'
                ) }}
            )
    end
{%- endmacro %}


{#- E[purchases in the next t days | x, t_x, T] = (a+b+x-1)/(a-1) (1 - (1-z)^(a-1) S) P(alive),
    with S from clv_series_sum (column `series_sum`) and 1 - z = (alpha+T) / (alpha+T+t). -#}
{% macro clv_expected_purchases(
    frequency='frequency', recency_days='recency_days', age_days='age_days', horizon_days='horizon_days'
) -%}
    (
        (a + b + {{ frequency }} - 1) / (a - 1)
        * (
            1 - {{ libm_exp(
                '(a - 1) * (' ~ libm_ln('alpha + ' ~ age_days) ~ ' - '
                ~ libm_ln('alpha + ' ~ age_days ~ ' + ' ~ horizon_days) ~ ')'
            ) }} * series_sum
        )
        * {{ clv_p_alive(frequency, recency_days, age_days) }}
    )
{%- endmacro %}


{#- Gamma-Gamma E[net value of a transaction | x repeat transactions of mean value m]:
    (gamma + m x) p / (p x + q - 1), the population mean p gamma / (q - 1) at x = 0; a mean of 0
    or less (refunds outweigh purchases) counts as 0. Without Gamma-Gamma parameters (columns
    p, q, gamma NULL: not fitted) the person's own mean transaction value, max(total_value, 0) /
    (x + 1). -#}
{% macro clv_expected_transaction_value(
    frequency='frequency', mean_value='repeat_transaction_value', total_value='total_value'
) -%}
    coalesce(
        (gamma + greatest(coalesce({{ mean_value }}, 0), 0) * {{ frequency }}) * p
        / (p * {{ frequency }} + q - 1),
        greatest(cast({{ total_value }} as double), 0) / ({{ frequency }} + 1)
    )
{%- endmacro %}
