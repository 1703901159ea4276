"""The engine version. It is part of every determination's reproducibility key, so bump it
whenever a change could alter a verdict."""

__version__ = "0.1.0"
ENGINE_VERSION = __version__
