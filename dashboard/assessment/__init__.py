"""Assessment rules and their reference tables (rankings, SLA, hot words)."""
