-- One row per known person as of as_of_date: every feature the models need, from the same macro
-- that builds earlier snapshots for the churn model.

with

features as (
    {{ user_features_as_of(as_of_date()) }}
)

select * from features
order by user_key
