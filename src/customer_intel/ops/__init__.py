"""Operations: the `make run` driver, dbt glue, pseudonymisation, publishing, export, settings."""
