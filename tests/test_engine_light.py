"""The engine is light (DESIGN.md): deciding origin imports neither the ML stack (the HS suggester
loads it when first asked) nor crypto, XML or web libraries. Checked in a fresh interpreter,
since this test process has long imported them all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "control-panel-parts.json"

# Top-level packages the engine must not load: the ML stack, crypto, XML, web and database.
HEAVY = (
    "numpy",
    "sklearn",
    "scipy",
    "cryptography",
    "lxml",
    "signxml",
    "xmlschema",
    "joserfc",
    "pyld",
    "pyoxigraph",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "sqlalchemy",
    "alembic",
    "psycopg",
)

_PROGRAM = """
import json, sys
import rcep_origin.origin, rcep_origin.tariffs, rcep_origin.rules
from rcep_origin.declaration import load_declaration
determination = rcep_origin.origin.determine(load_declaration(sys.argv[1]))
print(json.dumps({
    "outcome": determination.outcome.value,
    "loaded": sorted({name.split(".")[0] for name in sys.modules}),
}))
"""


def _fresh(program: str, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", program, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


def test_a_determination_loads_no_ml_crypto_xml_or_web_library() -> None:
    answer = _fresh(_PROGRAM, str(EXAMPLE))
    assert answer["outcome"] == "originating"
    loaded = answer["loaded"]
    assert isinstance(loaded, list)
    assert not [name for name in HEAVY if name in loaded]


def test_the_hs_suggester_loads_its_model_only_when_asked() -> None:
    program = """
import json, sys
from rcep_origin import hs
before = "numpy" in sys.modules
print(json.dumps({"before": before, "callable": callable(hs.suggest)}))
"""
    assert _fresh(program) == {"before": False, "callable": True}
