"""The TUI's screens; each is imported only when first shown (start-up stays light)."""
