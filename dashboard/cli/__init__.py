"""Command-line sub-commands of `python -m dashboard` (each module: add_arguments(parser), run(args))."""
