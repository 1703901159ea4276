"""The suggester's answers for every (description, code) of a declaration, in one batch.

``rcep_origin.hs.suggest`` and ``score_of`` answer one description at a time, about 2 ms each on
this machine (a sparse product against the whole nomenclature per call). A 200-line bill of
materials would spend most of a second there. So pre-review scores all the descriptions of a
declaration at once, with the suggester's own fitted model (same vectorizer, weights and
matrix, so the same scores), restricted to the features the descriptions use: about 25 ms for
200 distinct descriptions. Answers are also kept in a bounded cache across declarations.

The batch path reads the model through ``rcep_origin.hs.suggest``'s private names. It checks
itself once against the public ``suggest`` and falls back to the public per-call functions if
the model is not what it expects: slower, never different. ``tests/test_prereview_hs.py`` holds
the batch to the public answers. A public batch function in ``rcep_origin.hs`` would replace
this module.
"""

from __future__ import annotations

import importlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from rcep_origin import hs
from rcep_origin.hs import HsCode
from rcep_origin.prereview.thresholds import HS_TOP_SUGGESTIONS

_CACHE_SIZE = 65_536
_PROBE = "copper bars, rods and profiles of refined copper"


@dataclass(frozen=True, slots=True)
class Scored:
    """The best suggestions for a description, and the score of the declared code."""

    suggestions: tuple[hs.Suggestion, ...]
    score: float  # of the declared code; 0.0 when the description has no words


_cache: OrderedDict[tuple[str, str, str], Scored] = OrderedDict()
_lock = threading.Lock()


def clear_cache() -> None:
    with _lock:
        _cache.clear()


@cache
def available(edition: str) -> bool:
    """Whether the suggester knows the descriptions of ``edition`` (it suggests nothing, or
    refuses, for an edition it has no descriptions of)."""
    try:
        return bool(hs.suggest(_PROBE, edition=edition, top=1))
    except ValueError:
        return False


def score_items(items: Iterable[tuple[str, HsCode]], edition: str) -> dict[tuple[str, str], Scored]:
    """``items`` are (description, code); the answer is keyed by (description, code digits)."""
    wanted = {(description, code.digits): code for description, code in items}
    answers: dict[tuple[str, str], Scored] = {}
    with _lock:
        for description, digits in wanted:
            found = _cache.get((description, digits, edition))
            if found is not None:
                answers[(description, digits)] = found
    missing = [(d, c) for (d, digits), c in wanted.items() if (d, digits) not in answers]
    if missing:
        batch = _batch(edition)
        fresh = batch.score(missing) if batch is not None else _one_by_one(missing, edition)
        answers.update(fresh)
        with _lock:
            for (description, digits), scored in fresh.items():
                _cache[(description, digits, edition)] = scored
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return answers


def _one_by_one(items: list[tuple[str, HsCode]], edition: str) -> dict[tuple[str, str], Scored]:
    answers = {}
    suggestions: dict[str, tuple[hs.Suggestion, ...]] = {}
    for description, code in items:
        if description not in suggestions:
            suggestions[description] = tuple(
                hs.suggest(description, edition=edition, top=HS_TOP_SUGGESTIONS)
            )
        top = suggestions[description]
        known = next((s.score for s in top if s.code == code), None)
        score = known if known is not None else hs.score_of(description, code, edition=edition)
        answers[(description, code.digits)] = Scored(top, float(score))
    return answers


class _Batch:
    """The suggester's model, applied to many descriptions in one sparse product."""

    def __init__(self, model: Any, normalise: Any) -> None:
        self.vectorizer = model.vectorizer
        self.idf = model.idf
        self.matrix_t = model.matrix_t  # features x subheadings
        self.codes: tuple[HsCode, ...] = tuple(model.codes)
        self.descriptions: tuple[str, ...] = tuple(model.descriptions)
        self.index: dict[str, int] = dict(model.index)
        self.normalise = normalise
        self._prefixes: dict[str, np.ndarray[Any, np.dtype[np.intp]]] = {}

    def rows_of(self, digits: str) -> np.ndarray[Any, np.dtype[np.intp]]:
        """The subheadings a heading or chapter covers (it scores as its best one)."""
        if digits not in self._prefixes:
            rows = [i for d, i in self.index.items() if d.startswith(digits)]
            self._prefixes[digits] = np.array(rows, dtype=np.intp)
        return self._prefixes[digits]

    def scores(self, descriptions: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        """Descriptions x subheadings. Single precision, as the model's matrix is stored: the
        scores agree with the suggester's to about 1e-7 (it rounds them to 6 decimals)."""
        texts = [self.normalise(d) for d in descriptions]
        counts = self.vectorizer.transform(texts).tocsr()
        counts.data = np.log(counts.data) + 1.0  # sublinear tf, as the model was fitted
        queries = counts.multiply(self.idf).tocsr()
        norms = np.sqrt(np.asarray(queries.multiply(queries).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        queries = queries.multiply(1.0 / norms[:, None]).tocsr()
        features = np.unique(queries.indices)
        if features.size == 0:
            return np.zeros((len(texts), len(self.codes)), dtype=np.float32)
        # Only the features the descriptions use: a small slice of the nomenclature matrix,
        # multiplied into a dense result (nearly every subheading shares some n-gram with a
        # description, so a sparse result would be slower).
        dense_queries = queries[:, features].toarray().astype(np.float32)
        nomenclature = self.matrix_t[features].T.tocsr().astype(np.float32)
        result: np.ndarray[Any, np.dtype[np.float32]] = np.asarray(
            nomenclature @ dense_queries.T, dtype=np.float32
        ).T
        clipped: np.ndarray[Any, np.dtype[np.float32]] = np.clip(result, 0.0, 1.0)
        return clipped

    def score(self, items: list[tuple[str, HsCode]]) -> dict[tuple[str, str], Scored]:
        descriptions = list(dict.fromkeys(d for d, _ in items))
        row_of = {d: i for i, d in enumerate(descriptions)}
        matrix = self.scores(descriptions)
        top = min(HS_TOP_SUGGESTIONS, matrix.shape[1])
        candidates = np.argpartition(-matrix, top - 1, axis=1)[:, :top]
        tops: list[tuple[hs.Suggestion, ...]] = []
        for i, description in enumerate(descriptions):
            row = matrix[i]
            best = candidates[i]
            if not self.normalise(description) or not row[best].any():
                tops.append(())
                continue
            best = best[np.lexsort((best, -row[best]))]  # by score, then code: as suggest()
            tops.append(
                tuple(
                    hs.Suggestion(self.codes[j], round(float(row[j]), 6), self.descriptions[j])
                    for j in best
                )
            )
        answers = {}
        for description, code in items:
            i = row_of[description]
            row = matrix[i]
            if not tops[i]:
                score = 0.0
            elif code.level == 6:
                j = self.index.get(code.digits)
                score = 0.0 if j is None else round(float(row[j]), 6)
            else:
                rows = self.rows_of(code.digits)
                score = round(float(row[rows].max()), 6) if rows.size else 0.0
            answers[(description, code.digits)] = Scored(tops[i], score)
        return answers


@cache
def _batch(edition: str) -> _Batch | None:
    """The batch scorer, or None when the suggester's model is not the one it knows how to
    read (then each description is asked of the public functions)."""
    try:
        # ``rcep_origin.hs.suggest`` is the function; the module holding the model is this one.
        module = importlib.import_module("rcep_origin.hs.suggest")
        model = module._model(edition, module._Config())
        batch = _Batch(model, module._normalised)
        expected = hs.suggest(_PROBE, edition=edition, top=HS_TOP_SUGGESTIONS)
        got = batch.score([(_PROBE, expected[0].code)])[(_PROBE, expected[0].code.digits)]
    except (AttributeError, ImportError, TypeError, ValueError, KeyError, IndexError):
        return None
    same = [s.code for s in got.suggestions] == [s.code for s in expected] and all(
        abs(a.score - b.score) < 1e-5 for a, b in zip(got.suggestions, expected, strict=True)
    )
    return batch if same else None
