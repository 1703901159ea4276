"""The suggester's answers for every (description, code) of a declaration, kept across
declarations.

``rcep_origin.hs.score_many`` answers a whole declaration in one batch (35-45 ms for 200
distinct descriptions). A bill of materials repeats descriptions, and so do an exporter's
declarations, so answers are also kept here, in a bounded cache (least recently used out) keyed
by (description, code digits, edition). Only the suggester's public names are used.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from rcep_origin import hs
from rcep_origin.hs import HsCode, Scored
from rcep_origin.prereview.thresholds import HS_TOP_SUGGESTIONS

__all__ = ["Scored", "available", "clear_cache", "score_items"]

_CACHE_SIZE = 65_536

_cache: OrderedDict[tuple[str, str, str], Scored] = OrderedDict()
_lock = threading.Lock()


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def available(edition: str) -> bool:
    """Whether the suggester knows the descriptions of ``edition`` (it refuses to score an
    edition it has none of)."""
    try:
        hs.score_many([], edition=edition)
    except ValueError:
        return False
    return True


def score_items(items: Iterable[tuple[str, HsCode]], edition: str) -> dict[tuple[str, str], Scored]:
    """``items`` are (description, code); the answer is keyed by (description, code digits),
    with the ``HS_TOP_SUGGESTIONS`` best suggestions. Raises ``ValueError`` for an edition that
    is not ``available``."""
    wanted = {(description, code.digits): code for description, code in items}
    answers: dict[tuple[str, str], Scored] = {}
    with _lock:
        for description, digits in wanted:
            key = (description, digits, edition)
            found = _cache.get(key)
            if found is not None:
                _cache.move_to_end(key)
                answers[(description, digits)] = found
    missing = [(d, code) for (d, digits), code in wanted.items() if (d, digits) not in answers]
    if missing:
        fresh = hs.score_many(missing, edition=edition, top=HS_TOP_SUGGESTIONS)
        with _lock:
            for (description, code), scored in zip(missing, fresh, strict=True):
                answers[(description, code.digits)] = scored
                _cache[(description, code.digits, edition)] = scored
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return answers
