{#- A feature in standardised units, z = (x - mean) / std, with the mean and population std the
    model learned at training (a constant feature has std 1): the one place the scoring SQL
    standardises (K-means distances, churn contributions), mirroring
    customer_intel.ml.segmentation.Scaling.transform in the package. -#}
{% macro standardize(value, mean, std) -%}
    ({{ value }} - {{ mean }}) / {{ std }}
{%- endmacro %}
