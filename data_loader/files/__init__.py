"""File import: readers, parsing, validation, upsert and rejected rows."""
