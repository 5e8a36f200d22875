"""Every `python -m data_loader ...` command: parse, build the runtime, call the library."""
