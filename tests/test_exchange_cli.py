"""The exchange's command line (issue 20): ``exchange check`` (offline, issuing nothing, exit 0
or 1 with every problem's path), ``trust add|list|remove`` and ``exchange peer``/``deliver``/
``deliveries``, with their exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rcep_origin.authority._exchange_views import MESSAGES
from rcep_origin.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def make_home(path: Path, did: str, country: str) -> Path:
    result = runner.invoke(
        app,
        ["keys", "create", "--home", str(path), "--did", did, "--name", f"Body of {country}",
         "--country", country],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def homes(tmp_path: Path) -> tuple[Path, Path]:
    return (
        make_home(tmp_path / "th", "did:web:customs.example.th", "TH"),
        make_home(tmp_path / "cn", "did:web:co.example.cn", "CN"),
    )


def test_check_passes_a_good_declaration_and_lists_every_problem_of_a_bad_one(
    tmp_path: Path,
) -> None:
    good = runner.invoke(
        app, ["exchange", "check", str(ROOT / "examples/control-panel-parts.json")]
    )
    assert good.exit_code == 0, good.output
    assert "valid against the published schema: declaration" in good.output
    bad = json.loads((ROOT / "examples/control-panel-parts.json").read_text())
    bad["materials"][1]["value"]["currency"] = "yen"
    bad["product"]["hs_code"] = "x"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    result = runner.invoke(app, ["exchange", "check", str(tmp_path / "bad.json"), "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert {p["path"] for p in report["problems"]} >= {
        "materials[1].value.currency",
        "product.hs_code",
    }
    chinese = runner.invoke(app, ["exchange", "check", str(tmp_path / "bad.json"), "--lang", "zh"])
    assert chinese.exit_code == 1 and "发现" in chinese.output
    missing = runner.invoke(app, ["exchange", "check", str(tmp_path / "nothing.json")])
    assert missing.exit_code == 3


def test_check_reads_standard_input() -> None:
    result = runner.invoke(app, ["exchange", "check", "-"], input="<not-xml")
    assert result.exit_code == 1 and "certificate-xml" in result.output


def test_trust_add_list_remove_from_published_files(
    homes: tuple[Path, Path], tmp_path: Path
) -> None:
    th, cn = homes
    did_json = cn / "public" / "did.json"
    added = runner.invoke(app, ["trust", "add", str(did_json), "--party", "CN", "--home", str(th)])
    assert added.exit_code == 0, added.output
    assert "trusted did:web:co.example.cn for CN: 1 key(s)" in added.output
    listed = runner.invoke(app, ["trust", "list", "--home", str(th), "--json"])
    [entry] = json.loads(listed.output)
    assert (entry["party"], entry["source"]) == ("CN", str(did_json))
    own = runner.invoke(app, ["trust", "add", str(did_json), "--party", "TH", "--home", str(th)])
    assert own.exit_code == 3, own.output  # this register's own Party
    (tmp_path / "junk.json").write_text('{"id": "did:web:x", "verificationMethod": [1]}')
    junk = runner.invoke(
        app, ["trust", "add", str(tmp_path / "junk.json"), "--party", "JP", "--home", str(th)]
    )
    assert junk.exit_code == 3, junk.output
    removed = runner.invoke(app, ["trust", "remove", "did:web:co.example.cn", "--home", str(th)])
    assert removed.exit_code == 0, removed.output
    again = runner.invoke(app, ["trust", "remove", "did:web:co.example.cn", "--home", str(th)])
    assert again.exit_code == 1, again.output  # not on the list


def test_a_peer_that_does_not_answer_leaves_its_delivery_pending(
    homes: tuple[Path, Path], tmp_path: Path
) -> None:
    th, cn = homes
    key = "rk_0123456789ab." + "k" * 43
    added = runner.invoke(
        app,
        ["exchange", "peer", "add", "--party", "TH", "--url", "http://127.0.0.1:9",
         "--key", key, "--did-json", str(th / "public" / "did.json"), "--home", str(cn)],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert (cn / "exchange" / "peers" / "TH.key").read_text().strip() == key
    bad_key = runner.invoke(
        app,
        ["exchange", "peer", "add", "--party", "TH", "--url", "http://127.0.0.1:9",
         "--key", "secret", "--did-json", str(th / "public" / "did.json"), "--home", str(cn)],
    )  # fmt: skip
    assert bad_key.exit_code == 3 and "--key" in bad_key.output
    issued = runner.invoke(
        app,
        ["certificate", "issue", str(ROOT / "examples" / "certificate-request.yaml"),
         "--home", str(cn)],
    )  # fmt: skip
    assert issued.exit_code == 0, issued.output
    number = issued.output.split()[1].rstrip(":")
    passed = runner.invoke(app, ["exchange", "deliver", "--now", "--home", str(cn)])
    assert passed.exit_code == 1, passed.output  # still pending: nobody answers at port 9
    assert f"{number}\tTH\tcertificate\tqueued" in passed.output
    shown = runner.invoke(app, ["exchange", "deliveries", number, "--home", str(cn), "--json"])
    [delivery] = json.loads(shown.output)
    assert delivery["attempts"] == 1 and delivery["last_error"]
    listed = runner.invoke(app, ["exchange", "peer", "list", "--home", str(cn)])
    assert listed.output.startswith("TH\tactive\thttp://127.0.0.1:9")


def test_every_message_is_worded_in_english_and_chinese_with_the_same_placeholders() -> None:
    import string

    for key, (english, chinese) in MESSAGES.items():
        assert english and chinese, key
        fields_en = {f for _, f, _, _ in string.Formatter().parse(english) if f}
        fields_zh = {f.removesuffix("_zh") for _, f, _, _ in string.Formatter().parse(chinese) if f}
        assert fields_en == fields_zh, key
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese), key
