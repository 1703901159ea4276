"""Latency of origin determinations, in-process, on this machine.

Prints median and p99 for a 50-line and a 1,000-line declaration, split into the two stages
(validating the document, then determining), and the ratios between them: how the engine scales
with the bill of materials, and what share validation takes. Not a pass/fail test.

    make bench            # or: .venv/bin/python bench/bench_determine.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from rcep_origin import builtin_ruleset, determine, parse_declaration_text

PARTIES = ["CN", "JP", "KR", "TH", "VN", "DE", "US"]
CODES = ["7209.17", "7407.10", "8546.90", "3208.20", "8536.50", "8504.40", "8532.24", "7318.15"]


def declaration(lines: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    materials = []
    for index in range(lines):
        party = rng.choice(PARTIES)
        originating = party not in {"DE", "US"} and rng.random() < 0.7
        materials.append(
            {
                "id": f"P{index:05d}",
                "description": f"part {index}",
                "hs_code": rng.choice(CODES),
                "value": {
                    "amount": f"{rng.randint(1, 500)}.{rng.randint(0, 99):02d}",
                    "currency": "USD",
                },
                "origin_party": party,
                "originating": originating,
            }
        )
    return json.dumps(
        {
            "product": {"description": "Parts for control panels", "hs_code": "8538.90"},
            "exporting_party": "CN",
            "importing_party": "TH",
            "date": "2026-06-01",
            "fob_value": {"amount": str(400 * lines), "currency": "USD"},
            "production_steps": [{"description": "machining and assembly", "party": "CN"}],
            "materials": materials,
        }
    )


def measure(function: Callable[[], Any], repeat: int) -> list[float]:
    for _ in range(min(50, repeat)):
        function()  # warm caches (nomenclature, rule set, pydantic)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        function()
        timings.append((time.perf_counter_ns() - start) / 1e6)
    return timings


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    ruleset = builtin_ruleset()
    rows = []
    medians: dict[tuple[int, str], float] = {}
    for lines in (50, 1000):
        text = declaration(lines)
        parsed = parse_declaration_text(text)
        repeat = args.repeat if lines <= 50 else max(50, args.repeat // 10)
        stages: dict[str, Callable[[], Any]] = {
            "determine": lambda parsed=parsed: determine(parsed, ruleset=ruleset),
            "validate": lambda text=text: parse_declaration_text(text),
            "validate+determine": lambda text=text: determine(
                parse_declaration_text(text), ruleset=ruleset
            ),
        }
        for stage, function in stages.items():
            timings = measure(function, repeat)
            medians[(lines, stage)] = statistics.median(timings)
            rows.append((lines, stage, statistics.median(timings), p99(timings), len(timings)))
    print(f"{'lines':>6} {'stage':<20} {'median ms':>10} {'p99 ms':>9} {'runs':>6}")
    for lines, stage, median, tail, runs in rows:
        print(f"{lines:>6} {stage:<20} {median:>10.3f} {tail:>9.3f} {runs:>6}")
    print()
    print(
        f"scaling, determine 1000 / 50 lines:      {medians[(1000, 'determine')] / medians[(50, 'determine')]:6.1f}x (lines: 20x)"
    )
    for lines in (50, 1000):
        share = medians[(lines, "validate")] / medians[(lines, "validate+determine")]
        print(f"validation share of the whole, {lines:>4} lines: {share:6.0%}")


if __name__ == "__main__":
    main()
