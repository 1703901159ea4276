"""The command line: ``rcep-origin``."""
