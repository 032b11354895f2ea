{#- The backtest hits of top-N lists, per list owner: a select of model_name, evaluation_mode,
    user_key, hit_count (list items in the person's relevant set) and dcg (Σ 1 / log2(rank + 1)
    over the hits), for every (model, mode, person) with at least one hit. `lists` holds
    model_name, evaluation_mode, user_key, item_id, rank; `relevant` evaluation_mode, user_key,
    item_id (int_recommendation_backtest_relevant). recommendation_evaluation and the trending
    choice count hits with it, so their hit rates agree. -#}
{% macro backtest_hits(lists, relevant) -%}
    select
        {{ lists }}.model_name,
        {{ lists }}.evaluation_mode,
        {{ lists }}.user_key,
        count(*) as hit_count,
        {{ ordered_sum('1 / log2(' ~ lists ~ '.rank + 1)', lists ~ '.rank') }} as dcg
    from {{ lists }}
    inner join {{ relevant }}
        on
            {{ lists }}.evaluation_mode = {{ relevant }}.evaluation_mode
            and {{ lists }}.user_key = {{ relevant }}.user_key
            and {{ lists }}.item_id = {{ relevant }}.item_id
    group by {{ lists }}.model_name, {{ lists }}.evaluation_mode, {{ lists }}.user_key
{%- endmacro %}


{#- The recommendation candidates as a select of model_name, model_kind, candidate_order, the
    simplest first (the order ties are broken in): the baselines of popularity_baselines in its
    order, then item-CF, the factorization and the hybrid. `kind` keeps only one model_kind. -#}
{% macro recommendation_candidates(kind=none) -%}
    {%- set rows = [] %}
    {%- for name, _ in popularity_baselines() %}
        {%- do rows.append((name, 'baseline')) %}
    {%- endfor %}
    {%- for name in ['item_cf', 'factorization', 'hybrid'] %}
        {%- do rows.append((name, 'model')) %}
    {%- endfor %}
    select
        candidates.model_name,
        candidates.model_kind,
        candidates.candidate_order
    from (
        values
        {%- for name, model_kind in rows %}
        ('{{ name }}', '{{ model_kind }}', {{ loop.index }}){{ "," if not loop.last }}
        {%- endfor %}
    ) as candidates (model_name, model_kind, candidate_order)
    {%- if kind is not none %}
    where candidates.model_kind = '{{ kind }}'
    {%- endif %}
{%- endmacro %}


{#- The champion rule of the recommendations, per evaluation_mode: of the rows of `metrics`
    (evaluation_mode, model_name, candidate_order, hit_rate), the simplest (lowest
    candidate_order) whose hit rate is within `tolerance` of the mode's best. A select of
    evaluation_mode, model_name, hit_rate. -#}
{% macro simplest_best_hit_rate(metrics, tolerance) -%}
    select
        tied.evaluation_mode,
        tied.model_name,
        tied.hit_rate
    from (
        select
            {{ metrics }}.evaluation_mode,
            {{ metrics }}.model_name,
            {{ metrics }}.hit_rate,
            row_number() over (
                partition by {{ metrics }}.evaluation_mode order by {{ metrics }}.candidate_order
            ) as tie_rank
        from {{ metrics }}
        inner join (
            select
                evaluation_mode,
                max(hit_rate) as best_hit_rate
            from {{ metrics }}
            group by evaluation_mode
        ) as best on {{ metrics }}.evaluation_mode = best.evaluation_mode
        where {{ metrics }}.hit_rate >= best.best_hit_rate - {{ tolerance }}
    ) as tied
    where tied.tie_rank = 1
{%- endmacro %}
