"""Core of the 12345 operations dashboard: rules, schema, SLA, scoring, hotspots, snapshot, cache.

Nothing in this package imports Dash or the view packages (`layouts/`, `callbacks/`): the same
core serves the web app, the CLI and the poller process.
"""
