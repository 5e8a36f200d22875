"""The demo city: the calibrated model, order life cycles, live events and what callers say."""
