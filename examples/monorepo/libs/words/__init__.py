"""Word-level text utilities."""
