"""The commands behind the CLI: one module per command, each loading, matching, reporting."""
