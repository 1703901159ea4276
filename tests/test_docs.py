"""The README stays true: its counts match the data, its module table matches the code, and
its example runs."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from rcep_origin import builtin_ruleset, determine, load_declaration

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")


def test_the_readme_opens_with_the_two_set_up_commands() -> None:
    first_block = README.split("```")[1]
    assert "make run" in first_block and "make test" in first_block


def test_the_published_catalogue_counts_match_the_data() -> None:
    ruleset = builtin_ruleset()
    match = re.search(r"Catalogue: (\d+) rules, (\d+) Appendix entries", README)
    assert match, "README must state the catalogue counts"
    assert int(match.group(1)) == len(ruleset.psr)
    assert int(match.group(2)) == sum(len(v) for v in ruleset.appendix.values())
    bases = Counter(entry.basis for entry in ruleset.psr.values())
    assert f"{bases['transcribed']} rows transcribed" in README
    assert f"{bases['transposed']} rows carried to HS2022" in README


def test_every_module_the_readme_names_exists() -> None:
    for module in set(
        re.findall(r"`((?:origin|rules|tariffs|data)/[\w/]+\.(?:py|csv|yaml))`", README)
    ):
        assert (ROOT / "src" / "rcep_origin" / module).exists(), module


def test_every_origin_module_is_named_in_the_readme() -> None:
    for path in (ROOT / "src" / "rcep_origin" / "origin").glob("*.py"):
        if path.name not in {"__init__.py", "result.py"}:
            assert f"origin/{path.name}" in README, path.name


def test_the_readme_example_is_originating() -> None:
    result = determine(load_declaration(ROOT / "examples" / "control-panel-parts.json"))
    assert result.originating is True
