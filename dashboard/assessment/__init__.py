"""Assessment rules and their data: periods, scoring, rankings, SLA deadlines, the holiday calendar."""
