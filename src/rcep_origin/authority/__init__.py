"""The application layer: one typed use case per action of the issuing authority (filled in by
issue 13's work in progress)."""
