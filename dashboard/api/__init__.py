"""HTTP APIs served next to the screens: JSON API and Open311 (Flask blueprints)."""
