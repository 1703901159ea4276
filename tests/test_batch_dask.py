"""rcep-origin batch on a Dask cluster (issue 15): a scheduler and a worker started as separate
processes with the ``dask`` commands of the installed packages, on 127.0.0.1 only; the results
file is byte for byte the one a local run writes, and each row is what ``determine`` says."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from rcep_origin.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from bench_determine import declaration as generated  # noqa: E402

DASK = Path(sys.executable).with_name("dask")
pytestmark = pytest.mark.skipif(not DASK.exists(), reason="the dask command is not installed")


def _wait_for(path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text().strip():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A scheduler and one worker (two processes of one thread each), on loopback."""
    folder = tmp_path_factory.mktemp("dask")
    file = folder / "scheduler.json"
    environment = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "True"}
    common = ["--no-dashboard"]
    processes = [
        subprocess.Popen(
            [
                str(DASK),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--scheduler-file",
                str(file),
                *common,
            ],
            cwd=folder,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        _wait_for(file)
        address = json.loads(file.read_text())["address"]
        processes.append(
            subprocess.Popen(
                [
                    str(DASK),
                    "worker",
                    address,
                    "--host",
                    "127.0.0.1",
                    "--nworkers",
                    "2",
                    "--nthreads",
                    "1",
                    "--memory-limit",
                    "0",
                    *common,
                ],
                cwd=folder,
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_a_dask_cluster_writes_the_results_a_local_run_writes(
    scheduler: str, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for index in range(12):
        (folder / f"d{index:03d}.json").write_text(generated(40, seed=index), "utf-8")
    (folder / "broken.json").write_text('{"materials": [', "utf-8")
    scenario = yaml.safe_load(
        (ROOT / "tests/scenarios/sourcing/121-multi-level-bom-chain.yaml").read_text("utf-8")
    )
    (folder / "armchair.yaml").write_text(yaml.safe_dump(scenario["declaration"]), "utf-8")
    for name, sub in scenario["subassemblies"].items():
        (folder / name).write_text(yaml.safe_dump(sub), "utf-8")
    runner = CliRunner()
    local = runner.invoke(
        app,
        [
            "batch",
            str(folder),
            "--out",
            str(tmp_path / "local.csv"),
            "--workers",
            "2",
            "--no-report",
        ],
    )
    assert local.exit_code == 0, local.output
    remote = runner.invoke(
        app,
        [
            "batch",
            str(folder),
            "--out",
            str(tmp_path / "dask.csv"),
            "--scheduler",
            scheduler,
            "--json",
            "--no-report",
        ],
    )
    assert remote.exit_code == 0, remote.output
    summary = json.loads(remote.stdout)
    assert summary["where"].startswith(f"Dask {scheduler}")
    assert summary["outcomes"] == {"error": 1, "originating": 15}
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    # And the sampled rows are what determine says.
    import polars as pl

    rows = {r["declaration"]: r for r in pl.read_csv(tmp_path / "dask.csv").to_dicts()}
    for name in ("d004.json", "armchair.yaml"):
        verdict = json.loads(runner.invoke(app, ["determine", str(folder / name), "--json"]).stdout)
        assert rows[name]["inputs_sha256"] == verdict["inputs_sha256"]
        assert rows[name]["criterion"] == verdict["criterion"]


def test_resuming_on_the_cluster_decides_nothing_twice(scheduler: str, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for index in range(4):
        (folder / f"d{index}.json").write_text(generated(20, seed=index), "utf-8")
    out = tmp_path / "r.parquet"
    runner = CliRunner()
    first = runner.invoke(
        app,
        [
            "batch",
            str(folder),
            "--out",
            str(out),
            "--scheduler",
            scheduler,
            "--json",
            "--no-report",
        ],
    )
    second = runner.invoke(
        app,
        [
            "batch",
            str(folder),
            "--out",
            str(out),
            "--scheduler",
            scheduler,
            "--json",
            "--no-report",
        ],
    )
    assert json.loads(first.stdout)["decided"] == 4
    assert (json.loads(second.stdout)["decided"], json.loads(second.stdout)["kept"]) == (0, 4)
    shutil.rmtree(folder)
