"""HTTP surfaces of the dashboard: JSON API, Open311, and how responses travel (issue 11 moves them here)."""
