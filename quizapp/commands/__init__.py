"""One module per CLI subcommand; each defers heavy imports into its function body."""
