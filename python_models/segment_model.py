"""The fitted K-means model as a table: centroids per segment and feature, and the scaling."""

from customer_intel.ml.relations import order_by, to_engine, to_pandas
from customer_intel.ml.segmentation import config_from_params, features_frame, segment_model_table


def model(dbt, session):
    """Fit K-means with the chosen k and export it in long form."""
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
    features = features_frame(dbt.ref("int_segmentation_features"), cfg)
    selection = to_pandas(order_by(dbt.ref("segment_k_selection"), ["k"]))
    return to_engine(session, segment_model_table(features, selection, cfg))
