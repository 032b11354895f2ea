-- The churn tree (churn_tree) applied in SQL: every person of the snapshot each fit scores
-- (backtest fit: `eval`; serving fit: `score`) walks the fit's node table from the root, one
-- depth per step, going left when the split feature's value, as a float like scikit-learn
-- compares it, is at most the threshold; after `churn_tree_max_depth` steps everyone is in a
-- leaf, whose churn share is the person's probability and whose rule says why.

{%- set max_depth = typed_var('churn_tree_max_depth') | int %}

with

churn_snapshots as (
    select * from {{ ref('int_churn_snapshots') }}
),

feature_values as (
    select * from {{ ref('int_churn_feature_values') }}
),

churn_tree as (
    select * from {{ ref('churn_tree') }}
),

step_0 as (
    -- everyone starts at the root of the fit that scores their snapshot
    select
        churn_snapshots.snapshot_role,
        churn_snapshots.user_key,
        churn_tree.fit_role,
        churn_tree.node_id
    from churn_tree
    inner join churn_snapshots on churn_tree.scored_snapshot_role = churn_snapshots.snapshot_role
    where churn_tree.parent_node_id is null
),
{%- for depth in range(max_depth) %}

step_{{ depth + 1 }} as (
    select
        walk.snapshot_role,
        walk.user_key,
        walk.fit_role,
        case
            when node.is_leaf then walk.node_id
            when cast(feature_values.feature_value as float) <= node.threshold then node.left_node_id
            else node.right_node_id
        end as node_id
    from step_{{ depth }} as walk
    inner join churn_tree as node on walk.fit_role = node.fit_role and walk.node_id = node.node_id
    left join feature_values
        on
            walk.snapshot_role = feature_values.snapshot_role
            and walk.user_key = feature_values.user_key
            and node.feature_name = feature_values.feature_name
),
{%- endfor %}

leaves as (
    select
        walk.snapshot_role,
        walk.user_key,
        walk.fit_role,
        walk.node_id,
        leaf.is_leaf,
        leaf.churn_probability,
        leaf.rule_text,
        leaf.node_rows,
        leaf.training_snapshot_date,
        leaf.model_status,
        leaf.model_version
    from step_{{ max_depth }} as walk
    inner join churn_tree as leaf on walk.fit_role = leaf.fit_role and walk.node_id = leaf.node_id
)

select * from leaves
order by snapshot_role, user_key
