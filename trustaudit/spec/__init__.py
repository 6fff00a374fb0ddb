"""The audit spec: its pydantic models, and loading with every check that can run before a model."""
