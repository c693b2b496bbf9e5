"""The catalog: its files, the line-aware YAML reader, the schema, the typed model and its compiled form."""
