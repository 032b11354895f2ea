"""Model logic behind the dbt Python models: segmentation, churn and item-to-item recommendations."""
