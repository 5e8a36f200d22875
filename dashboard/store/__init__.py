"""Persistence: schema, engine and migrations, case rows, key/value state."""
