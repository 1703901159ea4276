"""The whole ``rcep-origin batch`` command: issue 15's acceptance run, timed.

400 declarations of 250 BOM lines (100,000 lines, one broken file among them) are written to a
temporary folder and decided

* locally (``--workers N``, default one per CPU), and
* on a Dask cluster: ``dask scheduler`` and ``dask worker`` started here as separate processes,
  on 127.0.0.1 only (``--nworkers N --nthreads 1``),

and the same BOM lines as one flat ERP table (Parquet) locally. The two results files of the
folder must be byte for byte identical, and sampled declarations must match ``rcep-origin
determine --json`` (the verdict's SHA-256, trace included). Printed: wall time of the command
(start-up included) and the throughput the run reports (from reading the first file to writing
the results), in BOM lines per second, with the ratio to the aim of 200,000 lines/s on this
machine; and the CPU seconds per 1,000 lines, which do not depend on what else runs here.

    .venv/bin/python bench/bench_batch.py [--declarations 400] [--lines 250] [--samples 8]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_determine import declaration

AIM = 200_000  # BOM lines per second for the whole command on this 2-core machine
BIN = Path(sys.executable).parent


def cli(*args: str) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run rcep-origin; returns the process, its wall time and its CPU time (children too)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "rcep-origin"), *args], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1, 2):
        raise SystemExit(f"rcep-origin {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return done, wall, cpu


def write_folder(folder: Path, count: int, lines: int) -> None:
    folder.mkdir(parents=True)
    for index in range(count - 1):
        (folder / f"g{index:04d}.json").write_text(
            declaration(lines, seed=index, reference=f"G-{index:04d}"), "utf-8"
        )
    (folder / "g9999-broken.json").write_text('{"product": {"hs_code": "8538.90"', "utf-8")


def write_table(folder: Path, path: Path) -> None:
    import polars as pl

    rows: list[dict[str, Any]] = []
    for file in sorted(folder.glob("g0*.json")):
        doc = json.loads(file.read_text("utf-8"))
        for material in doc["materials"]:
            rows.append(
                {
                    "declaration": file.stem,
                    "product_description": doc["product"]["description"],
                    "product_hs_code": doc["product"]["hs_code"],
                    "exporting_party": doc["exporting_party"],
                    "importing_party": doc["importing_party"],
                    "date": doc["date"],
                    "fob_value": doc["fob_value"]["amount"],
                    "fob_currency": doc["fob_value"]["currency"],
                    "production_steps": "CN: machining and assembly",
                    "material_id": material["id"],
                    "material_description": material["description"],
                    "material_hs_code": material["hs_code"],
                    "material_value": material["value"]["amount"],
                    "origin_party": material["origin_party"],
                    "originating": "true" if material["originating"] else "false",
                }
            )
    pl.DataFrame(rows).write_parquet(path)


def start_cluster(folder: Path, workers: int) -> tuple[str, list[subprocess.Popen[bytes]]]:
    file = folder / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": folder}
    processes = [
        subprocess.Popen(
            [
                str(BIN / "dask"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(file),
            ],
            **quiet,  # type: ignore[call-overload]
        )
    ]
    deadline = time.monotonic() + 60
    while not file.exists() or not file.read_text().strip():
        if time.monotonic() > deadline:
            raise SystemExit("the Dask scheduler did not start")
        time.sleep(0.1)
    address = json.loads(file.read_text())["address"]
    processes.append(
        subprocess.Popen(
            [
                str(BIN / "dask"),
                "worker",
                address,
                "--host",
                "127.0.0.1",
                "--nworkers",
                str(workers),
                "--nthreads",
                "1",
                "--memory-limit",
                "0",
                "--no-dashboard",
            ],
            **quiet,  # type: ignore[call-overload]
        )
    )
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(workers, timeout=60)
    return address, processes


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in reversed(processes):
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def sha(verdict: dict[str, Any]) -> str:
    text = json.dumps(verdict, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def report(name: str, summary: dict[str, Any], wall: float, cpu: float) -> None:
    lines = summary["lines"]
    rate = summary["lines_per_second"]
    print(
        f"{name:<28} {summary['declarations']:>5} decl {lines:>8,} lines  "
        f"run {summary['seconds']:6.2f} s = {rate:>8,} lines/s ({rate / AIM:4.2f}x aim)  "
        f"command {wall:6.2f} s = {lines / wall:>8,.0f} lines/s  "
        f"cpu {cpu / lines * 1000 * 1000:5.1f} ms/1,000 lines"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--declarations", type=int, default=400)
    parser.add_argument("--lines", type=int, default=250)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--samples", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        folder = root / "declarations"
        write_folder(folder, args.declarations, args.lines)
        write_table(folder, root / "boms.parquet")
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        local = root / "local.csv"
        done, wall, cpu = cli(
            "batch", str(folder), "--out", str(local), "--workers", str(args.workers), "--json"
        )
        report(f"folder, {args.workers} local processes", json.loads(done.stdout), wall, cpu)
        done, wall, cpu = cli(
            "batch",
            str(root / "boms.parquet"),
            "--out",
            str(root / "table.parquet"),
            "--workers",
            str(args.workers),
            "--json",
        )
        report(f"Parquet table, {args.workers} local", json.loads(done.stdout), wall, cpu)
        address, processes = start_cluster(root, args.workers)
        try:
            remote = root / "dask.csv"
            done, wall, cpu = cli(
                "batch", str(folder), "--out", str(remote), "--scheduler", address, "--json"
            )
            summary = json.loads(done.stdout)
            report(f"folder, Dask {args.workers} workers", summary, wall, cpu)
            print(f"  (the workers' CPU is not counted above; {summary['where']})")
        finally:
            stop(processes)
        identical = local.read_bytes() == remote.read_bytes()
        print(f"local and Dask results identical: {identical}")
        import polars as pl

        rows = {r["declaration"]: r for r in pl.read_csv(local, infer_schema=False).to_dicts()}
        broken = rows["g9999-broken.json"]
        print(f"broken file reported: {broken['outcome']}: {broken['error']}")
        names = random.Random(15).sample(sorted(n for n in rows if "broken" not in n), args.samples)
        matches = 0
        for name in names:
            verdict = json.loads(cli("determine", str(folder / name), "--json")[0].stdout)
            matches += rows[name]["verdict_sha256"] == sha(verdict)
        print(f"sampled declarations matching determine --json: {matches} of {len(names)}")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        if not identical or matches != len(names):
            raise SystemExit(1)


if __name__ == "__main__":
    main()
