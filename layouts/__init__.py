"""Pure view functions: data in, Dash components or Plotly figures out. No callbacks, no I/O."""
