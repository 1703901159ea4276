"""Pages for people: the public verification page."""
