-- Top-N item recommendations for every known person as of as_of_date: item-CF scores from
-- item_neighbors over the person's interactions, filled from popularity (main category, then
-- overall) when item-CF has fewer than N candidates. Logic in the macro recommend_items.

with

people as (
    select user_key from {{ ref('user_features') }}
),

items as (
    select * from {{ ref('item_popularity') }}
),

recommendations as (
    {{ recommend_items(
        users="people",
        interactions=ref('user_item_interactions'),
        neighbors=ref('item_neighbors'),
        popularity=ref('item_popularity'),
        snapshot_date=as_of_date(),
        top_n=typed_var('recommendation_top_n') | int,
        allow_bought=typed_var('recommend_already_bought'),
    ) }}
),

described as (
    select
        recommendations.user_key,
        recommendations.rank,
        recommendations.item_id,
        items.item_name,
        items.category,
        recommendations.score,
        recommendations.source,
        recommendations.because_of_item_id,
        because_items.item_name as because_of_item_name
    from recommendations
    inner join items on recommendations.item_id = items.item_id
    left join items as because_items on recommendations.because_of_item_id = because_items.item_id
)

select * from described
order by user_key, rank
