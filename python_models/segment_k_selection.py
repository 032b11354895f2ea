"""K-means model selection: metrics for each candidate k, the chosen k flagged."""

from customer_intel.ml.relations import to_engine
from customer_intel.ml.segmentation import config_from_params, evaluate_k_range, features_frame


def model(dbt, session):
    """Evaluate k in [k_min, k_max] on int_segmentation_features."""
    dbt.config(materialized="table")
    # literal config.get calls: dbt passes a Python model only the config keys it sees used
    params = {
        "features": dbt.config.get("features"),
        "k_min": dbt.config.get("k_min"),
        "k_max": dbt.config.get("k_max"),
        "segment_k": dbt.config.get("segment_k"),
        "random_state": dbt.config.get("random_state"),
        "n_init": dbt.config.get("n_init"),
        "silhouette_sample_size": dbt.config.get("silhouette_sample_size"),
        "max_training_rows": dbt.config.get("max_training_rows"),
        "selection_max_rows": dbt.config.get("selection_max_rows"),
    }
    cfg = config_from_params(params)
    # k is chosen on a seeded sample of at most `selection_max_rows` buyers (see the package)
    table = evaluate_k_range(features_frame(dbt.ref("int_segmentation_features"), cfg), cfg)
    return to_engine(session, table)
