"""One exit-code contract for every command (issue 18; README, "Exit codes"): a usage error is
bad input, 3 -- never 2, which `determine` uses for "undecidable" and `certificate verify` for
"indeterminate"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rcep_origin.cli.main import app

CLI = str(Path(sys.executable).parent / "rcep-origin")


@pytest.mark.parametrize(
    "args",
    [
        ["determine", "--no-such-option", "x.json"],
        ["determine"],
        ["certificate", "verify"],
        ["certificate", "issue", "--home"],
        ["rules", "add"],
        ["no-such-command"],
        ["keys", "revoke"],
    ],
    ids=lambda args: " ".join(args),
)
def test_a_usage_error_exits_3(args: list[str]) -> None:
    assert CliRunner().invoke(app, args).exit_code == 3


def test_the_installed_command_keeps_the_contract() -> None:
    done = subprocess.run([CLI, "determine", "--no-such-option"], capture_output=True, timeout=60)
    assert done.returncode == 3
