-- churn_evaluation names exactly one champion, and it is eligible under the champion rule.
-- Returns a row when the count of champions is not 1 or the champion is not eligible.

with

churn_evaluation as (
    select * from {{ ref('churn_evaluation') }}
),

champions as (
    select
        count(*) filter (where is_champion) as champion_count,
        count(*) filter (where is_champion and not is_eligible) as ineligible_champions
    from churn_evaluation
)

select * from champions
where champion_count != 1 or ineligible_champions > 0
