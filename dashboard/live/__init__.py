"""The live pipeline: poller, rollups, open orders, snapshot and cache (issue 11 moves them here)."""
