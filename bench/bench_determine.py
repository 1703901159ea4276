"""Throughput and latency of origin determinations, in-process, on this machine.

For declarations of 50, 250 and 1,000 BOM lines, three stages are timed on their own:

* ``validate``  the document (JSON text) parsed and validated into a ``Declaration``;
* ``determine`` the engine on a validated declaration, its inputs hash included (every run
  gets a declaration object of its own, so no hash is remembered from an earlier run);
* ``whole``     both, as ``rcep-origin determine`` does for each file.

Figures are CPU time of this process (``time.process_time``), so "lines/s/core" does not
depend on what else the machine is doing: the median of five rounds, each after a full garbage
collection; the median wall time and p99 of single runs are printed beside them.
The ratios compare them with the aims of issue 15 (500,000 BOM lines/s/core in the engine).

    make bench            # or: .venv/bin/python bench/bench_determine.py [--repeat N]
    .venv/bin/python bench/bench_determine.py --profile 1000   # where the time goes (pyinstrument)
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from rcep_origin import builtin_ruleset, determine, parse_declaration_text
from rcep_origin.declaration import Declaration

PARTIES = ["CN", "JP", "KR", "TH", "VN", "DE", "US"]
CODES = ["7209.17", "7407.10", "8546.90", "3208.20", "8536.50", "8504.40", "8532.24", "7318.15"]
ENGINE_AIM = 500_000  # BOM lines per second per core, issue 15
SIZES = (50, 250, 1000)


def declaration(lines: int, seed: int = 7, *, reference: str | None = None) -> str:
    """A control-panel parts declaration (8538.90, "CTH or RVC40" in the built-in catalogue)
    with ``lines`` material lines of mixed origin; about a third are non-originating."""
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
    document: dict[str, Any] = {
        "product": {"description": "Parts for control panels", "hs_code": "8538.90"},
        "exporting_party": "CN",
        "importing_party": "TH",
        "date": "2026-06-01",
        "fob_value": {"amount": str(400 * lines), "currency": "USD"},
        "production_steps": [{"description": "machining and assembly", "party": "CN"}],
        "materials": materials,
    }
    if reference is not None:
        document = {"reference": reference, **document}
    return json.dumps(document)


ROUNDS = 5


def cpu_per_run(make: Callable[[], Callable[[], Any]], runs: int) -> tuple[float, list[float]]:
    """CPU seconds per run (the median round of ``ROUNDS``, each the mean of ``runs`` runs of
    a function ``make()`` prepares), and each run's wall time in ms."""
    walls: list[float] = []
    rounds = []
    for _ in range(ROUNDS):
        function = make()
        gc.collect()
        cpu_start = time.process_time()
        for _ in range(runs):
            start = time.perf_counter_ns()
            function()
            walls.append((time.perf_counter_ns() - start) / 1e6)
        rounds.append((time.process_time() - cpu_start) / runs)
    return statistics.median(rounds), walls


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else values[0]


def profile(lines: int, runs: int) -> None:
    """Where the engine's time goes, for one size (pyinstrument, a test dependency)."""
    from pyinstrument import Profiler

    ruleset = builtin_ruleset()
    text = declaration(lines)
    fresh = [parse_declaration_text(text) for _ in range(runs)]
    determine(parse_declaration_text(text), ruleset=ruleset)
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for parsed in fresh:
        determine(parsed, ruleset=ruleset)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=200, help="runs of the 50-line declaration")
    parser.add_argument("--profile", type=int, metavar="LINES", help="profile one size instead")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile, max(20, args.repeat // 10))
        return
    ruleset = builtin_ruleset()
    rows = []
    rates: dict[tuple[int, str], float] = {}
    for lines in SIZES:
        text = declaration(lines)
        runs = max(20, args.repeat * 50 // lines)
        for _ in range(5):  # warm caches (nomenclature, rule set, compiled rule tests, pydantic)
            determine(parse_declaration_text(text), ruleset=ruleset)

        def engine(text: str = text, runs: int = runs) -> Callable[[], Any]:
            fresh: list[Declaration] = [parse_declaration_text(text) for _ in range(runs)]
            queue = iter(fresh)
            return lambda: determine(next(queue), ruleset=ruleset)

        stages: dict[str, Callable[[], Callable[[], Any]]] = {
            "validate": lambda text=text: lambda: parse_declaration_text(text),
            "determine": engine,
            "whole": lambda text=text: (
                lambda: determine(parse_declaration_text(text), ruleset=ruleset)
            ),
        }
        for stage, make in stages.items():
            cpu, walls = cpu_per_run(make, runs)
            rates[(lines, stage)] = lines / cpu
            rows.append((lines, stage, cpu * 1e3, statistics.median(walls), p99(walls), runs))
    print(
        f"{'lines':>6} {'stage':<10} {'cpu ms':>8} {'wall ms':>8} {'p99 ms':>8} {'runs':>5}"
        f" {'lines/s/core':>13}"
    )
    for lines, stage, cpu_ms, median, tail, runs in rows:
        print(
            f"{lines:>6} {stage:<10} {cpu_ms:>8.3f} {median:>8.3f} {tail:>8.3f} {runs:>5}"
            f" {rates[(lines, stage)]:>13,.0f}"
        )
    print()
    for lines in SIZES:
        engine = rates[(lines, "determine")]
        whole = rates[(lines, "whole")]
        validation = 1 / rates[(lines, "validate")] / (1 / whole)
        print(
            f"{lines:>5} lines: engine {engine:>9,.0f} lines/s/core = {engine / ENGINE_AIM:4.2f}x "
            f"the aim of {ENGINE_AIM:,}; validation is {validation:4.0%} of the whole"
        )


if __name__ == "__main__":
    main()
