"""The suggester's answers for every (description, code) of a declaration, and when they cast
doubt on a declared code; kept across declarations.

Two stages, so that the model is paid for only where it matters. ``rcep_origin.hs.score_many`` is
asked first for the lexical signal alone (NumPy only, about a millisecond a description, one
batch per declaration). Only the pairs it doubts (``doubtful``) are asked again with the
multilingual model (15-35 ms a description), and a pair is reported only when both stages doubt
it: the false-warning rate of that cascade on correctly classified pairs is what
``bench/bench_hs_suggest.py`` measures and ``thresholds.py`` records. A bill of materials repeats
descriptions, and so do an exporter's declarations, so answers are kept in a bounded cache (least
recently used out) keyed by (description, code digits, edition, stage).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from rcep_origin import hs
from rcep_origin.hs import HsCode, Scored
from rcep_origin.prereview.thresholds import (
    HS_DOUBT_HEADING_RANK,
    HS_DOUBT_LEXICAL_SCORE,
    HS_DOUBT_SCORE,
    HS_TOP_SUGGESTIONS,
)

__all__ = ["Scored", "available", "clear_cache", "doubtful", "judge", "score_items"]

_CACHE_SIZE = 65_536

_cache: OrderedDict[tuple[str, str, str, bool], Scored] = OrderedDict()
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


def doubtful(scored: Scored) -> bool:
    """Whether an answer casts doubt on the declared code: its heading is not among the
    ``HS_DOUBT_HEADING_RANK`` best headings for the description, and its score is below the
    threshold of the stage that answered (``HS_DOUBT_LEXICAL_SCORE`` for the lexical signal
    alone, ``HS_DOUBT_SCORE`` with the model). A neighbouring subheading of the right heading is
    never doubted: which subheading of a heading applies is beyond what a description settles."""
    if scored.best is None or scored.score is None or scored.heading_rank is None:
        return False
    limit = HS_DOUBT_SCORE if scored.semantic else HS_DOUBT_LEXICAL_SCORE
    return scored.heading_rank > HS_DOUBT_HEADING_RANK and scored.score < limit


def score_items(
    items: Iterable[tuple[str, HsCode]], edition: str, *, semantic: bool = False
) -> dict[tuple[str, str], Scored]:
    """``items`` are (description, code); the answer is keyed by (description, code digits),
    with the ``HS_TOP_SUGGESTIONS`` best suggestions. ``semantic``: ask for the model's signal
    too. Raises ``ValueError`` for an edition that is not ``available``."""
    wanted = {(description, code.digits): code for description, code in items}
    answers: dict[tuple[str, str], Scored] = {}
    with _lock:
        for description, digits in wanted:
            key = (description, digits, edition, semantic)
            found = _cache.get(key)
            if found is not None:
                _cache.move_to_end(key)
                answers[(description, digits)] = found
    missing = [(d, code) for (d, digits), code in wanted.items() if (d, digits) not in answers]
    if missing:
        fresh = hs.score_many(
            missing, edition=edition, top=HS_TOP_SUGGESTIONS, semantic=None if semantic else False
        )
        with _lock:
            for (description, code), scored in zip(missing, fresh, strict=True):
                answers[(description, code.digits)] = scored
                _cache[(description, code.digits, edition, semantic)] = scored
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return answers


def judge(
    items: Iterable[tuple[str, HsCode]], edition: str
) -> dict[tuple[str, str], tuple[Scored, bool]]:
    """The cascade: for each (description, code), the answer to report and whether the code is
    in doubt. The lexical answer stands for the pairs it does not doubt; the others are asked
    again with the model, whose answer then stands, and they are in doubt only if it doubts
    them too. Without the model nothing is in doubt (see ``thresholds.py``)."""
    wanted = list(items)
    lexical = score_items(wanted, edition)
    verdicts = {key: (scored, False) for key, scored in lexical.items()}
    suspects = [(d, code) for d, code in wanted if doubtful(lexical[(d, code.digits)])]
    if suspects:
        second = score_items(suspects, edition, semantic=True)
        for key, scored in second.items():
            verdicts[key] = (scored, scored.semantic and doubtful(scored))
    return verdicts
