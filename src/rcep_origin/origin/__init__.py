"""The determination engine: a declaration in, a ``Determination`` (verdict + trace) out."""

from rcep_origin.origin.engine import determine
from rcep_origin.origin.result import Determination, Outcome

__all__ = ["Determination", "Outcome", "determine"]
