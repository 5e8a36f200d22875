"""HTTP APIs (JSON endpoints as Flask blueprints)."""
