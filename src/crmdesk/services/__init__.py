"""Use cases: the single write path, and the read models the CLI and GUI show."""
