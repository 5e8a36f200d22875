"""Assessment: rules, periods, scores, rankings and the analysis built on them."""
