"""Benchmarks: `python -m bench [--scale 100k|1m|10m] [--quick]` and `python -m bench soak`."""
