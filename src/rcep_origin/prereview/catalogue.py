"""The catalogue of pre-review checks, as the checks declare themselves where they are defined
(``checks/*.py``: ``spec(...)`` and ``@check(...)``), in the order the runner lists them
(``checks/__init__.py``); and the words, phrases and report texts the messages share
(``_phrases.py``), all gettext message ids whose translations live in ``locale/``.
"""

from __future__ import annotations

from rcep_origin.prereview import checks  # noqa: F401  (imported to register the checks)
from rcep_origin.prereview._phrases import (
    NEAREST,
    ORIGIN_PHRASE,
    PARTY_NAMES,
    RELIED,
    RELIED_COUNTRY,
    REPORT,
    WORDS,
)
from rcep_origin.prereview._review import REGISTRY
from rcep_origin.prereview._spec import CheckSpec, Text

__all__ = [
    "CHECKS",
    "NEAREST",
    "ORIGIN_PHRASE",
    "PARTY_NAMES",
    "RELIED",
    "RELIED_COUNTRY",
    "REPORT",
    "WORDS",
    "CheckSpec",
    "Text",
    "message_ids",
]

CHECKS: dict[str, CheckSpec] = {
    spec.code: spec for registered in REGISTRY for spec in registered.specs
}


def message_ids() -> list[str]:
    """Every message id the catalogues must translate."""
    ids: list[str] = []
    for spec in CHECKS.values():
        for text in spec.texts():
            ids += [text.message, text.fix]
    ids += (
        list(WORDS.values())
        + list(PARTY_NAMES)
        + [ORIGIN_PHRASE, NEAREST, RELIED, RELIED_COUNTRY]
        + list(REPORT.values())
    )
    return list(dict.fromkeys(ids))
