"""Live pipeline: the change feed, the poller, rollups, the open-case set and the snapshot cache."""
