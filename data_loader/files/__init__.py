"""Reading import files within bounds: size limits and the streaming XLSX reader."""
