"""The city's rules and what they compute: periods, scores, rankings, SLA, hotspots."""
