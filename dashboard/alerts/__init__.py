"""Alerts that reach people: rules on each snapshot, deduplicated, stored, pushed to channels."""
