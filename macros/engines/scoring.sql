{#- Engine forms the scoring models (models/scoring) and their macros need. -#}

{#- `function`(`arguments`) with its rows added in the order of `order_by` (SQL order-by text),
    so that a float aggregate (sum, avg, corr) is the same in every run. DuckDB has ordered
    aggregates; Spark has none and adds in its own order (the difference is in the last bits of
    a double). -#}
{% macro ordered_aggregate(function, arguments, order_by) -%}
    {{ return(adapter.dispatch('ordered_aggregate', 'customer_intel')(function, arguments, order_by)) }}
{%- endmacro %}

{% macro default__ordered_aggregate(function, arguments, order_by) -%}
    {{ function }}({{ arguments }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_aggregate(function, arguments, order_by) -%}
    {{ function }}({{ arguments }})
{%- endmacro %}


{#- sum(`expression`) added in the order of `order_by` (ordered_aggregate). -#}
{% macro ordered_sum(expression, order_by) -%}
    {{ ordered_aggregate('sum', expression, order_by) }}
{%- endmacro %}


{#- avg(`expression`) added in the order of `order_by` (ordered_aggregate). -#}
{% macro ordered_avg(expression, order_by) -%}
    {{ ordered_aggregate('avg', expression, order_by) }}
{%- endmacro %}


{#- The non-NULL text values of `expression` joined by `separator` (a plain literal without
    quotes) in ascending order of the `order_keys` (a list of expressions, none NULL), over the
    rows where `condition` holds (SQL text, optional); NULL when there is none. DuckDB:
    string_agg with order by; Spark: the values collected with their keys, sorted, joined. -#}
{% macro ordered_string_agg(expression, separator, order_keys, condition=none) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'customer_intel')(expression, separator, order_keys, condition)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(expression, separator, order_keys, condition) -%}
    string_agg({{ expression }}, '{{ separator }}' order by {{ order_keys | join(', ') }})
    {%- if condition is not none %} filter (where {{ condition }}){% endif %}
{%- endmacro %}

{% macro spark__ordered_string_agg(expression, separator, order_keys, condition) -%}
    {%- set filter_clause = ' filter (where ' ~ condition ~ ')' if condition is not none else '' -%}
    case
        when count({{ expression }}){{ filter_clause }} > 0
            then array_join(
                transform(
                    array_sort(collect_list(named_struct(
                        {%- for key in order_keys %}
                        'key_{{ loop.index }}', {{ key }},
                        {%- endfor %}
                        'value', cast({{ expression }} as string)
                    )){{ filter_clause }}),
                    entry -> entry.value
                ),
                '{{ separator }}'
            )
    end
{%- endmacro %}


{#- An integer as text with a comma between thousands (1,234,567). -#}
{% macro thousands_separated(expression) -%}
    {{ return(adapter.dispatch('thousands_separated', 'customer_intel')(expression)) }}
{%- endmacro %}

{% macro default__thousands_separated(expression) -%}
    format('{:,}', {{ expression }})
{%- endmacro %}

{% macro spark__thousands_separated(expression) -%}
    format_number({{ expression }}, 0)
{%- endmacro %}


{#- A select-list expression that makes one row per BIGINT start, start + 1, ..., stop - 1
    (none when stop <= start), as DuckDB's unnest(range(start, stop)); Spark explodes a
    sequence. -#}
{% macro unnest_range(start, stop) -%}
    {{ return(adapter.dispatch('unnest_range', 'customer_intel')(start, stop)) }}
{%- endmacro %}

{% macro default__unnest_range(start, stop) -%}
    unnest(range({{ start }}, {{ stop }}))
{%- endmacro %}

{% macro spark__unnest_range(start, stop) -%}
    explode(
        case
            when ({{ stop }}) > ({{ start }})
                then sequence(cast({{ start }} as bigint), cast({{ stop }} as bigint) - 1)
            else cast(array() as array<bigint>)
        end
    )
{%- endmacro %}


{#- ln |Gamma(x)| of a double (DuckDB's lgamma, that is the C library's). Spark has no log-gamma
    function. For x >= 2 its form is glibc's (fdlibm's e_lgamma_r: the rational approximation
    on [2, 8), Stirling's series from 8, the same constants and the same order of operations, so
    both engines give the same bits but for a rare last-bit difference of the logarithm: the
    logarithms are java.lang.Math.log's, which agrees with the C library far more often than
    Spark's ln, StrictMath's); below
    2 (small values, whose absolute errors are tiny) it calls Apache Commons Math's
    Gamma.logGamma (a jar of every Spark distribution) through reflect, for x <= 0 by the
    reflection formula ln |Gamma(x)| = ln(pi / |sin(pi x)|) - ln Gamma(1 - x). Spark's reflect
    is non-deterministic for the optimizer: this cannot sit inside an aggregate function. -#}
{% macro log_abs_gamma(x) -%}
    {{ return(adapter.dispatch('log_abs_gamma', 'customer_intel')(x)) }}
{%- endmacro %}

{% macro default__log_abs_gamma(x) -%}
    lgamma({{ x }})
{%- endmacro %}

{% macro spark__log_abs_gamma(x) -%}
    {%- set x = 'cast(' ~ x ~ ' as double)' %}
    {%- set y = '(' ~ x ~ ' - cast(floor(' ~ x ~ ') as double))' %}
    {%- set z = '(1.0D / ' ~ x ~ ')' %}
    case
        when {{ x }} >= 8.0D
            then
                ({{ x }} - 0.5D) * ({{ spark__libm_ln(x) }} - 1.0D)
                + (
                    4.18938533204672725052e-01D + {{ z }} * (
                        8.33333333333329678849e-02D + ({{ z }} * {{ z }}) * (
                            -2.77777777728775536470e-03D + ({{ z }} * {{ z }}) * (
                                7.93650558643019558500e-04D + ({{ z }} * {{ z }}) * (
                                    -5.95187557450339963135e-04D + ({{ z }} * {{ z }}) * (
                                        8.36339918996282139126e-04D
                                        + ({{ z }} * {{ z }}) * -1.63092934096575273989e-03D
                                    )
                                )
                            )
                        )
                    )
                )
        when {{ x }} >= 2.0D
            then
                (
                    0.5D * {{ y }}
                    + {{ y }} * (
                        -7.72156649015328655494e-02D + {{ y }} * (
                            2.14982415960608852501e-01D + {{ y }} * (
                                3.25778796408930981787e-01D + {{ y }} * (
                                    1.46350472652464452805e-01D + {{ y }} * (
                                        2.66422703033638609560e-02D + {{ y }} * (
                                            1.84028451407337715652e-03D + {{ y }} * 3.19475326584100867617e-05D
                                        )
                                    )
                                )
                            )
                        )
                    )
                    / (
                        1.0D + {{ y }} * (
                            1.39200533467621045958e+00D + {{ y }} * (
                                7.21935547567138069525e-01D + {{ y }} * (
                                    1.71933865632803078993e-01D + {{ y }} * (
                                        1.86459191715652901344e-02D + {{ y }} * (
                                            7.77942496381893596434e-04D + {{ y }} * 7.32668430744625636189e-06D
                                        )
                                    )
                                )
                            )
                        )
                    )
                )
                + case floor({{ x }})
                    when 2 then 0.0D
                    {%- for i in range(3, 8) %}
                    {%- set factors = [] %}
                    {%- for j in range(i - 1, 1, -1) %}
                        {%- do factors.append('(' ~ y ~ ' + ' ~ j ~ '.0D)') %}
                    {%- endfor %}
                    {%- set running = namespace(product=factors[0]) %}
                    {%- for factor in factors[1:] %}
                        {%- set running.product = '(' ~ running.product ~ ' * ' ~ factor ~ ')' %}
                    {%- endfor %}
                    when {{ i }} then {{ spark__libm_ln(running.product) }}
                    {%- endfor %}
                end
        when {{ x }} > 0.0D
            then cast(reflect('org.apache.commons.math3.special.Gamma', 'logGamma', {{ x }}) as double)
        else
            ln(pi()) - ln(abs(sin(pi() * {{ x }})))
            - cast(reflect('org.apache.commons.math3.special.Gamma', 'logGamma', 1.0D - {{ x }}) as double)
    end
{%- endmacro %}


{#- The recommendation lists' final ranking (int_recommendation_lists): of `candidates` (model_name,
    allow_bought, user_index, item_id, score, source, because_of_item_id, source_priority,
    source_order), each item keeps its best source (lowest source_priority, then source_order)
    and the first `top_n` items per list and person by (source_priority, source_order, item_id)
    form the list. A select of model_name, allow_bought, user_index, item_id, score, source,
    because_of_item_id, rank (1 ..). DuckDB: a top-N aggregate (min_by with a count) instead of
    a sort of every candidate; Spark has no top-N aggregate and numbers the offers by a window. -#}
{% macro recommendation_top_offers(candidates, top_n) -%}
    {{ return(adapter.dispatch('recommendation_top_offers', 'customer_intel')(candidates, top_n)) }}
{%- endmacro %}

{% macro default__recommendation_top_offers(candidates, top_n) -%}
    select
        filled_offers.model_name,
        filled_offers.allow_bought,
        filled_offers.user_index,
        struct_extract(filled_offers.offer, 'item_id') as item_id,
        struct_extract(filled_offers.offer, 'score') as score,
        struct_extract(filled_offers.offer, 'source') as source,
        struct_extract(filled_offers.offer, 'because_of_item_id') as because_of_item_id,
        filled_offers.rank
    from (
        select
            top_offers.model_name,
            top_offers.allow_bought,
            top_offers.user_index,
            unnest(top_offers.offers) as offer,
            unnest(range(1, len(top_offers.offers) + 1)) as rank
        from (
            -- the N first per list and person: a top-N aggregate, not a sort of every candidate
            select
                best_source.model_name,
                best_source.allow_bought,
                best_source.user_index,
                min_by(
                    struct_pack(
                        item_id := best_source.item_id,
                        score := best_source.offer.score,
                        source := best_source.offer.source,
                        because_of_item_id := best_source.offer.because_of_item_id
                    ),
                    best_source.list_order,
                    {{ top_n }}
                ) as offers
            from (
                -- an item offered by several sources keeps its best one
                select
                    model_name,
                    allow_bought,
                    user_index,
                    item_id,
                    arg_min(
                        struct_pack(score, source, because_of_item_id),
                        struct_pack(source_priority, source_order)
                    ) as offer,
                    min(struct_pack(source_priority, source_order, item_id)) as list_order
                from {{ candidates }}
                group by model_name, allow_bought, user_index, item_id
            ) as best_source
            group by best_source.model_name, best_source.allow_bought, best_source.user_index
        ) as top_offers
    ) as filled_offers
{%- endmacro %}

{% macro spark__recommendation_top_offers(candidates, top_n) -%}
    select
        ranked_offers.model_name,
        ranked_offers.allow_bought,
        ranked_offers.user_index,
        ranked_offers.item_id,
        ranked_offers.offer.score as score,
        ranked_offers.offer.source as source,
        ranked_offers.offer.because_of_item_id as because_of_item_id,
        cast(ranked_offers.rank as bigint) as rank
    from (
        select
            best_source.*,
            row_number() over (
                partition by best_source.model_name, best_source.allow_bought, best_source.user_index
                order by best_source.list_order
            ) as rank
        from (
            -- an item offered by several sources keeps its best one
            select
                model_name,
                allow_bought,
                user_index,
                item_id,
                min_by(
                    named_struct('score', score, 'source', source, 'because_of_item_id', because_of_item_id),
                    named_struct('source_priority', source_priority, 'source_order', source_order)
                ) as offer,
                min(named_struct(
                    'source_priority', source_priority, 'source_order', source_order, 'item_id', item_id
                )) as list_order
            from {{ candidates }}
            group by model_name, allow_bought, user_index, item_id
        ) as best_source
    ) as ranked_offers
    where ranked_offers.rank <= {{ top_n }}
{%- endmacro %}


{#- The natural logarithm of a double as the C library computes it (DuckDB's ln). Spark's ln is
    StrictMath.log, whose last bit differs from the C library's for about one value in 50;
    java.lang.Math.log (called through reflect) differs for about one in 20,000. Spark's reflect
    is non-deterministic for the optimizer: not inside an aggregate function. -#}
{% macro libm_ln(x) -%}
    {{ return(adapter.dispatch('libm_ln', 'customer_intel')(x)) }}
{%- endmacro %}

{% macro default__libm_ln(x) -%}
    ln({{ x }})
{%- endmacro %}

{% macro spark__libm_ln(x) -%}
    cast(reflect('java.lang.Math', 'log', cast({{ x }} as double)) as double)
{%- endmacro %}


{#- e to the power of a double as the C library computes it (DuckDB's exp): on Spark
    java.lang.Math.exp through reflect (Spark's exp, StrictMath.exp, differs in the last bit
    for about one value in ten). Not inside an aggregate function on Spark (reflect). -#}
{% macro libm_exp(x) -%}
    {{ return(adapter.dispatch('libm_exp', 'customer_intel')(x)) }}
{%- endmacro %}

{% macro default__libm_exp(x) -%}
    exp({{ x }})
{%- endmacro %}

{% macro spark__libm_exp(x) -%}
    cast(reflect('java.lang.Math', 'exp', cast({{ x }} as double)) as double)
{%- endmacro %}


{#- The sum of a double `expression` added one value at a time in ascending order of
    `order_key` (an expression, never NULL, unique in the group), so that both engines add the
    same numbers in the same order and get the same bits: DuckDB's ordered sum; Spark folds the
    values collected with their key and sorted. NULL values are skipped, NULL when none. -#}
{% macro sequential_sum(expression, order_key) -%}
    {{ return(adapter.dispatch('sequential_sum', 'customer_intel')(expression, order_key)) }}
{%- endmacro %}

{% macro default__sequential_sum(expression, order_key) -%}
    sum({{ expression }} order by {{ order_key }})
{%- endmacro %}

{% macro spark__sequential_sum(expression, order_key) -%}
    case
        when count({{ expression }}) > 0
            then aggregate(
                transform(
                    array_sort(collect_list(
                        case
                            when ({{ expression }}) is not null
                                then named_struct('key', {{ order_key }}, 'value', cast({{ expression }} as double))
                        end
                    )),
                    entry -> entry.value
                ),
                cast(0 as double),
                (total, value) -> total + value
            )
    end
{%- endmacro %}
