"""Pure-Python models for revenue assurance (features, models, evaluation). No Dagster imports."""
