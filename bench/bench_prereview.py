"""Latency of a full pre-review, in-process, on this machine.

A 200-line declaration (distinct, realistic material descriptions, about 3 lines in 7 not
originating, three currencies, supplier declarations for most originating lines, a folder
context of 5 other declarations) is pre-reviewed end to end. Printed: median and p99 of

- the whole pre-review, *cold*: the HS suggester's answers cache emptied before every run (each
  description is new to the process: the first declaration of an exporter);
- the whole pre-review, *warm*: the same declaration again (descriptions already scored);
- the whole pre-review, cold, of a worst case: every line imported (non-originating), so every
  material's description is scored;

and, for each, the share of the time spent in the HS suggester (one batch per declaration), in
the engine (``determine``: the verdict, plus the what-if the evidence check asks) and in the
checks themselves, measured inside the same runs. The suggester's model is loaded before timing
(1-2 s once per process), and ``gc.freeze()`` is called after warming up, as a service does
after start-up (``--no-freeze`` to see the p99 without it). Not a pass/fail test; the target is
under 100 ms cold for 200 lines.

    .venv/bin/python bench/bench_prereview.py [--lines 200] [--repeat 100] [--no-freeze]
    .venv/bin/python bench/bench_prereview.py --cli 10     # the command line, start-up included
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rcep_origin import builtin_ruleset, parse_declaration_text
from rcep_origin.declaration import Declaration
from rcep_origin.prereview import PreReviewContext, prereview
from rcep_origin.prereview import _hs_scores as hs_scores
from rcep_origin.prereview import _runner as runner
from rcep_origin.prereview.checks import evidence as checks_evidence
from rcep_origin.prereview.checks import hs as checks_hs
from rcep_origin.prereview.checks import production as checks_production

# (description words, HS code) of components of an industrial control cabinet.
PARTS = [
    ("stainless steel hexagon socket screws", "7318.15"),
    ("steel hexagon nuts", "7318.16"),
    ("spring washers of steel", "7318.21"),
    ("copper busbar, refined copper", "7407.10"),
    ("insulated copper wire for winding", "8544.11"),
    ("power cable with connectors, 1 kV", "8544.42"),
    ("electrical insulators of ceramics", "8546.20"),
    ("epoxy insulating fittings", "8547.20"),
    ("aluminium heat sink extrusion", "7604.29"),
    ("cold-rolled steel sheet, 1 mm", "7209.17"),
    ("printed circuit board, multilayer", "8534.00"),
    ("electrolytic capacitors, aluminium", "8532.22"),
    ("fixed carbon resistors", "8533.10"),
    ("relays for a voltage not exceeding 60 V", "8536.41"),
    ("contactors and switches, 400 V", "8536.50"),
    ("fuses for a voltage not exceeding 1000 V", "8536.10"),
    ("automatic circuit breakers, 63 A", "8536.20"),
    ("static converters, power supply 24 V", "8504.40"),
    ("transformers, 1 kVA", "8504.31"),
    ("light-emitting diodes, indicator lamps", "8541.41"),
    ("processors and controllers, integrated circuits", "8542.31"),
    ("plastic enclosure, injection moulded", "3926.90"),
    ("rubber gaskets of vulcanised rubber", "4016.93"),
    ("axial fans, 230 V", "8414.59"),
    ("terminal blocks and plugs", "8536.90"),
    ("electric motors, AC multi-phase, 750 W", "8501.52"),
    ("ball bearings", "8482.10"),
    ("helical springs of steel", "7320.20"),
    ("hinges of base metal for cabinets", "8302.10"),
    ("labels of paper, self-adhesive", "4821.10"),
]
MAKERS = ["Shenzhen", "Suzhou", "Osaka", "Busan", "Penang", "Hanoi", "Stuttgart", "Ohio"]
# About 3 lines in 7 not originating (imported or of undetermined origin): a CNC-controller BOM.
ORIGINS = [
    ("CN", True),
    ("JP", True),
    ("KR", True),
    ("VN", True),
    ("DE", False),
    ("US", False),
    ("CN", None),
]
CURRENCY = {"CN": "USD", "JP": "JPY", "KR": "USD", "VN": "USD", "DE": "EUR", "US": "USD"}


def declaration(
    lines: int, seed: int = 11, reference: str = "BENCH-0", imported: bool = False
) -> dict[str, Any]:
    """``imported``: every line non-originating, the worst case for the HS suggester (every
    material's code then decides the change in tariff classification)."""
    rng = random.Random(seed)
    materials = []
    for index in range(lines):
        words, code = rng.choice(PARTS)
        party, originating = ("DE", False) if imported else rng.choice(ORIGINS)
        currency = CURRENCY[party]
        amount = rng.randint(1, 400) * (150 if currency == "JPY" else 1)
        maker = rng.choice(MAKERS)
        line: dict[str, Any] = {
            "id": f"L{index:04d}",
            "part_number": f"{code.replace('.', '')}-{index:04d}",
            "description": f"{words}, type {rng.randint(100, 999)}, made by {maker} works",
            "hs_code": code,
            "value": {"amount": f"{amount}.{rng.randint(0, 99):02d}", "currency": currency},
            "origin_party": party,
            "originating": originating,
            "supplier": f"{maker} Components Ltd",
        }
        if originating and rng.random() < 0.9:
            line["supplier_declaration"] = {
                "reference": f"SD-{index:04d}",
                "supplier": line["supplier"],
                "issued": "2026-01-10",
                "valid_until": "2026-12-31",
                "covers_origin_party": party,
            }
        materials.append(line)
    return {
        "reference": reference,
        "product": {
            "description": "Parts suitable for use with boards and panels of heading 85.37",
            "hs_code": "8538.90",
            "software_integration": True,
        },
        "exporting_party": "CN",
        "importing_party": "TH",
        "date": "2026-06-01",
        "fob_value": {"amount": str(700 * lines), "currency": "USD"},
        "production_steps": [
            {"description": "CNC machining and bending of the frame", "party": "CN"},
            {"description": "assembly and wiring of the panel", "party": "CN"},
            {"description": "firmware flashing and functional test", "party": "CN"},
            {"description": "packing in cartons", "party": "CN", "minimal_operation": True},
        ],
        "materials": materials,
        "fx_rates": [
            {"from": "JPY", "to": "USD", "rate": "0.0066", "date": "2026-05-29", "source": "bank"},
            {"from": "EUR", "to": "USD", "rate": "1.08", "date": "2026-05-29", "source": "ECB"},
        ],
        "evidence": {
            "production_log": {"reference": "MES/2026/0601", "sha256": "ab" * 32},
            "firmware_log": {"reference": "FW-2.4.1", "version": "2.4.1", "sha256": "cd" * 32},
        },
    }


def parse(data: dict[str, Any]) -> Declaration:
    return parse_declaration_text(json.dumps(data))


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else values[0]


class Stopwatch:
    """Time spent inside one function during a run, by wrapping it where pre-review calls it."""

    def __init__(self, module: Any, name: str) -> None:
        self.module, self.name, self.original = module, name, getattr(module, name)
        self.spent_ns = 0
        original = self.original

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter_ns()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent_ns += time.perf_counter_ns() - start

        setattr(module, name, timed)


def command_line(lines: int, runs: int) -> None:
    """What an exporter waits for: the command, start-up and imports included. The HS
    suggester's lexical index is in its cache file (the first run ever builds it, once)."""
    folder = Path(tempfile.mkdtemp(prefix="rcep-bench-cli-"))
    path = folder / "declaration.json"
    path.write_text(json.dumps(declaration(lines)), "utf-8")
    command = [str(Path(sys.executable).with_name("rcep-origin")), "prereview", str(path)]
    subprocess.run(command, capture_output=True, check=False)  # warm the caches, once
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, check=False)
        timings.append(time.perf_counter() - start)
        if done.returncode not in (0, 1, 2):
            raise SystemExit(done.stderr.decode())
    print(
        f"'rcep-origin prereview' of a {lines}-line declaration, {runs} runs: median "
        f"{statistics.median(timings):.2f} s, fastest {min(timings):.2f} s (exit "
        f"{done.returncode})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="do not gc.freeze() after warming up (a service freezes what it loaded at start-up; "
        "without it, a full garbage collection now and then adds 50-100 ms to the p99)",
    )
    parser.add_argument(
        "--cli",
        type=int,
        metavar="N",
        default=0,
        help="instead, time N runs of 'rcep-origin prereview FILE' on the declaration, each a new "
        "process (start-up included), and print the median and the fastest",
    )
    args = parser.parse_args()
    if args.cli:
        command_line(args.lines, args.cli)
        return
    ruleset = builtin_ruleset()
    subject = parse(declaration(args.lines))
    worst = parse(declaration(args.lines, imported=True))
    others = [(f"BENCH-{i}", parse(declaration(args.lines, seed=i))) for i in range(1, 6)]
    context = PreReviewContext.from_declarations(others)

    def review(declaration: Declaration = subject) -> Any:
        return prereview(declaration, ruleset=ruleset, context=context, source="BENCH-0")

    result = review()  # loads the suggester's model, the rule set, the catalogues
    for _ in range(5):
        review()
        review(worst)
    if not args.no_freeze:
        gc.freeze()
    suggester = Stopwatch(checks_hs, "judge")
    engine = [
        Stopwatch(runner, "determine"),
        Stopwatch(checks_evidence, "determine"),
        Stopwatch(checks_production, "determine"),
    ]
    print(
        f"{args.lines}-line declaration, {len(context.lines)} context lines; "
        f"{len(result.findings)} findings, verdict {result.verdict.value}; "
        f"gc.freeze() {'not ' if args.no_freeze else ''}called after warm-up"
    )
    print(
        f"{'run':<34} {'median ms':>10} {'p99 ms':>9} {'runs':>5}   "
        f"{'HS suggester':>12} {'engine':>7} {'checks':>7}"
    )
    runs: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
        ("cold (new descriptions)", review, hs_scores.clear_cache),
        ("warm (descriptions seen before)", review, lambda: None),
        ("cold, every line imported", lambda: review(worst), hs_scores.clear_cache),
    ]
    for name, function, before in runs:
        timings: list[float] = []
        shares = {"suggester": 0, "engine": 0}
        for _ in range(args.repeat):
            before()
            suggester.spent_ns = 0
            for watch in engine:
                watch.spent_ns = 0
            start = time.perf_counter_ns()
            function()
            elapsed = time.perf_counter_ns() - start
            timings.append(elapsed / 1e6)
            shares["suggester"] += suggester.spent_ns
            shares["engine"] += sum(watch.spent_ns for watch in engine)
        total = sum(timings) * 1e6
        hs_share = shares["suggester"] / total
        engine_share = shares["engine"] / total
        print(
            f"{name:<34} {statistics.median(timings):>10.2f} {p99(timings):>9.2f} "
            f"{len(timings):>5}   {hs_share:>12.0%} {engine_share:>7.0%} "
            f"{1 - hs_share - engine_share:>7.0%}"
        )
    print()
    print("HS suggester: one batch per declaration, for the product and the materials whose")
    print("code decides (components not shown originating); engine: the verdict, plus the")
    print("what-if the evidence check asks when originating lines lack a supplier declaration.")


if __name__ == "__main__":
    main()
