"""HTTP APIs (JSON, Open311, screens) as Flask blueprints."""
