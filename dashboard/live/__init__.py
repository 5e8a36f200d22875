"""The live pipeline: change feed, rollups, open cases, snapshot, cache and poller."""
