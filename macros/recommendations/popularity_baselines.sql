{#- The popularity baselines of the recommendation backtest and of the served lists, which need
    no model: every catalog merchandise item with a buyer in the lookback window, ranked per
    baseline by distinct buyers whose last purchase of the item fell in the last 7, 30 or 90
    days (`popularity_7d`, `popularity_30d`, `popularity_90d`), in the whole window
    (`popularity_lookback`), or recency-decayed (`popularity_decayed`); ties, and items without a
    buyer in a shorter window, by the lookback popularity rank. A select of model_name, item_id,
    popularity_rank over `popularity` (a snapshot of int_item_popularity_snapshots). -#}
{% macro popularity_baseline_ranks(popularity) -%}
    {#- subqueries, not a WITH: dbt's unit tests add their inputs to the model's first WITH -#}
    select
        baseline_scores.model_name,
        baseline_scores.item_id,
        row_number() over (
            partition by baseline_scores.model_name
            order by baseline_scores.baseline_score desc, baseline_scores.lookback_rank asc
        ) as popularity_rank
    from (
        {%- for name, column in popularity_baselines() %}
        select
            '{{ name }}' as model_name,
            item_id,
            cast({{ column }} as double) as baseline_score,
            popularity_rank as lookback_rank
        from {{ popularity }}
        where is_known_item and is_merchandise and buyers > 0
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ) as baseline_scores
{%- endmacro %}


{#- (baseline name, column of int_item_popularity_snapshots it ranks by), simplest first. -#}
{% macro popularity_baselines() -%}
    {%- do return([
        ('popularity_lookback', 'buyers'),
        ('popularity_90d', 'buyers_90d'),
        ('popularity_30d', 'buyers_30d'),
        ('popularity_7d', 'buyers_7d'),
        ('popularity_decayed', 'decayed_buyers'),
    ]) -%}
{%- endmacro %}


{#- A select of model_name, user_key, item_id, rank: for every person of `people` (user_key)
    and every baseline of `ranks` (popularity_baseline_ranks), the first N items of the baseline
    that are not in `bought` (user_key, item_id). Only the ranks a person can use are generated
    (N plus one per item they may not be offered), so no join compares every person with every
    item. -#}
{% macro popularity_lists_excluding(people, bought, ranks, top_n) -%}
    select
        not_bought.model_name,
        not_bought.user_key,
        not_bought.item_id,
        not_bought.rank
    from (
        select
            person_candidates.model_name,
            person_candidates.user_key,
            person_candidates.item_id,
            row_number() over (
                partition by person_candidates.model_name, person_candidates.user_key
                order by person_candidates.popularity_rank asc
            ) as rank
        from (
            select
                {{ ranks }}.model_name,
                person_ranks.user_key,
                {{ ranks }}.item_id,
                {{ ranks }}.popularity_rank
            from (
                select
                    {{ people }}.user_key,
                    {{ unnest_range('1', top_n ~ ' + coalesce(bought_counts.bought_items, 0) + 1') }} as popularity_rank
                from {{ people }}
                left join (
                    select
                        user_key,
                        count(*) as bought_items
                    from {{ bought }}
                    group by user_key
                ) as bought_counts on {{ people }}.user_key = bought_counts.user_key
            ) as person_ranks
            inner join {{ ranks }} on person_ranks.popularity_rank = {{ ranks }}.popularity_rank
        ) as person_candidates
        where not exists (
            select 1 from {{ bought }}
            where
                person_candidates.user_key = {{ bought }}.user_key
                and person_candidates.item_id = {{ bought }}.item_id
        )
    ) as not_bought
    where not_bought.rank <= {{ top_n }}
{%- endmacro %}
