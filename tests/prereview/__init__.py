"""Helpers and fixtures of the pre-review tests."""
