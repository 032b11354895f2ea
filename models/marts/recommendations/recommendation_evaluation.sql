-- Backtest of the recommendations: lists built at the cutoff (as_of_date -
-- recommendation_backtest_days) from data up to it, checked against what each person bought in
-- (cutoff, as_of_date]. One row per candidate (item_cf, factorization, hybrid and the popularity baselines of
-- int_recommendation_backtest_lists) and mode (exclude_bought, include_bought); see
-- int_recommendation_backtest_relevant for who is evaluated. Per person u
-- with relevant set R_u and list L_u (N = recommendation_top_n):
--   precision@N = |L_u ∩ R_u| / N (N even when the list is shorter)
--   recall@N    = |L_u ∩ R_u| / |R_u|
--   NDCG@N      = Σ_{hits at rank r} 1/log2(r + 1) / Σ_{r = 1..min(|R_u|, N)} 1/log2(r + 1)
--   hit rate    = 1 if |L_u ∩ R_u| > 0 else 0
-- each averaged over evaluated people; catalog coverage = distinct items recommended to them /
-- catalog items (known items). The champion (is_champion) is the candidate with the best hit
-- rate in the serving mode (var recommend_already_bought), ties within
-- recommendation_champion_tolerance to the simplest; user_recommendations serves it.

{%- set top_n = typed_var('recommendation_top_n') | int %}
{%- set serving_mode = 'include_bought' if typed_var('recommend_already_bought') else 'exclude_bought' %}
{%- set tolerance = typed_var('recommendation_champion_tolerance') | float %}

with

lists as (
    select * from {{ ref('int_recommendation_backtest_lists') }}
),

relevant as (
    select * from {{ ref('int_recommendation_backtest_relevant') }}
),

catalog as (
    select * from {{ ref('int_recommendation_backtest_popularity') }}
    where is_known_item and is_merchandise
),

cutoff as (
    select snapshot_date as cutoff_date from {{ ref('int_feature_snapshots') }}
    where snapshot_role = 'recommendation_backtest'
),

models as (
    -- every candidate, simplest first (the order ties are broken in)
    {{ recommendation_candidates() }}
),

evaluated as (
    -- every (model, mode, person with something relevant in that mode)
    select
        models.model_name,
        relevant.evaluation_mode,
        relevant.user_key,
        count(*) as relevant_items
    from relevant
    cross join models
    group by models.model_name, relevant.evaluation_mode, relevant.user_key
),

hits as (
    {{ backtest_hits('lists', 'relevant') }}
),

ideal as (
    select
        evaluated.model_name,
        evaluated.evaluation_mode,
        evaluated.user_key,
        {{ ordered_sum('1 / log2(positions.position + 1)', 'positions.position') }} as ideal_dcg
    from evaluated
    {{ cross_join_series('1', top_n, 'positions', 'position') }}
    where evaluated.relevant_items >= positions.position
    group by evaluated.model_name, evaluated.evaluation_mode, evaluated.user_key
),

per_user as (
    select
        evaluated.model_name,
        evaluated.evaluation_mode,
        evaluated.user_key,
        evaluated.relevant_items,
        coalesce(hits.hit_count, 0) as hit_count,
        coalesce(hits.dcg, 0) / ideal.ideal_dcg as ndcg
    from evaluated
    inner join ideal
        on
            evaluated.model_name = ideal.model_name
            and evaluated.evaluation_mode = ideal.evaluation_mode
            and evaluated.user_key = ideal.user_key
    left join hits
        on
            evaluated.model_name = hits.model_name
            and evaluated.evaluation_mode = hits.evaluation_mode
            and evaluated.user_key = hits.user_key
),

coverage as (
    select
        lists.model_name,
        lists.evaluation_mode,
        count(distinct lists.item_id) as recommended_items
    from lists
    inner join relevant
        on lists.evaluation_mode = relevant.evaluation_mode and lists.user_key = relevant.user_key
    group by lists.model_name, lists.evaluation_mode
),

metrics as (
    select
        per_user.model_name,
        per_user.evaluation_mode,
        count(*) as users_evaluated,
        {{ ordered_avg('per_user.hit_count / ' ~ top_n, 'per_user.user_key') }} as precision_at_n,
        {{ ordered_avg('per_user.hit_count / per_user.relevant_items', 'per_user.user_key') }} as recall_at_n,
        {{ ordered_avg('per_user.ndcg', 'per_user.user_key') }} as ndcg_at_n,
        avg(cast(case when per_user.hit_count > 0 then 1 else 0 end as double)) as hit_rate,
        avg(per_user.relevant_items) as mean_relevant_items
    from per_user
    group by per_user.model_name, per_user.evaluation_mode
),

evaluation as (
    select
        metrics.model_name,
        models.model_kind,
        models.candidate_order,
        metrics.evaluation_mode,
        {{ top_n }} as top_n,
        cutoff.cutoff_date,
        metrics.users_evaluated,
        metrics.precision_at_n,
        metrics.recall_at_n,
        metrics.ndcg_at_n,
        metrics.hit_rate,
        metrics.mean_relevant_items,
        coalesce(coverage.recommended_items, 0) as recommended_items,
        coalesce(coverage.recommended_items, 0) / nullif((select count(*) from catalog), 0) as catalog_coverage
    from metrics
    inner join models on metrics.model_name = models.model_name
    cross join cutoff
    left join coverage
        on metrics.model_name = coverage.model_name and metrics.evaluation_mode = coverage.evaluation_mode
),

serving_mode_metrics as (
    select *
    from evaluation
    where evaluation_mode = '{{ serving_mode }}'
),

champion as (
    -- the champion: the best hit rate in the mode the lists are served in; candidates within
    -- recommendation_champion_tolerance of it tie, and the simplest tied one wins
    {{ simplest_best_hit_rate('serving_mode_metrics', tolerance) }}
),

flagged as (
    select
        evaluation.*,
        coalesce(
            evaluation.evaluation_mode = '{{ serving_mode }}' and evaluation.model_name = champion.model_name,
            false
        ) as is_champion
    from evaluation
    left join champion on evaluation.model_name = champion.model_name
)

select * from flagged
order by evaluation_mode, candidate_order
