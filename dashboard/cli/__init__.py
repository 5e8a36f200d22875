"""Every `python -m dashboard ...` command: parse, build the runtime, call the library."""
