-- The hybrid's trending component, chosen per mode by the backtest: the popularity baseline
-- (int_recommendation_baseline_lists) with the best backtest hit rate, baselines within
-- recommendation_champion_tolerance of it tying and the simplest tied one (the order of macro
-- popularity_baselines) winning, the rule recommendation_evaluation applies to all candidates.
-- Hit rate as there: the share of the people with something relevant in the mode
-- (int_recommendation_backtest_relevant) whose list holds at least one relevant item (macros
-- recommendation_candidates, backtest_hits and simplest_best_hit_rate hold the candidates, the
-- hits and the rule). What sells now differs by shop (a wholesaler's last week, a stable shop's
-- whole window), so the hybrid fuses the baseline that predicted the cutoff's next days best,
-- not a fixed window.

{%- set tolerance = typed_var('recommendation_champion_tolerance') | float %}

with

baseline_lists as (
    select * from {{ ref('int_recommendation_baseline_lists') }}
),

relevant as (
    select * from {{ ref('int_recommendation_backtest_relevant') }}
),

baselines as (
    {{ recommendation_candidates('baseline') }}
),

evaluated as (
    select distinct
        evaluation_mode,
        user_key
    from relevant
),

hits as (
    {{ backtest_hits('baseline_lists', 'relevant') }}
),

hit_rates as (
    select
        baselines.model_name,
        baselines.candidate_order,
        evaluated.evaluation_mode,
        avg(cast(case when hits.user_key is not null then 1 else 0 end as double)) as hit_rate
    from evaluated
    cross join baselines
    left join hits
        on
            baselines.model_name = hits.model_name
            and evaluated.evaluation_mode = hits.evaluation_mode
            and evaluated.user_key = hits.user_key
    group by baselines.model_name, baselines.candidate_order, evaluated.evaluation_mode
),

chosen as (
    {{ simplest_best_hit_rate('hit_rates', tolerance) }}
),

modes as (
    -- both modes always get a choice: with nobody to evaluate, the simplest baseline
    select modes.evaluation_mode
    from (values ('exclude_bought'), ('include_bought')) as modes (evaluation_mode)
),

choice as (
    select
        modes.evaluation_mode,
        coalesce(chosen.model_name, '{{ popularity_baselines()[0][0] }}') as model_name,
        chosen.hit_rate
    from modes
    left join chosen on modes.evaluation_mode = chosen.evaluation_mode
)

select * from choice
order by evaluation_mode
