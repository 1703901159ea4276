from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_RULES = ROOT / "tests" / "rulesets" / "fixture"


def base_declaration() -> dict[str, Any]:
    """A small originating declaration under the built-in rule 85.38 'CTH or RVC40'."""
    return copy.deepcopy(
        {
            "product": {"description": "Parts for control panels", "hs_code": "8538.90"},
            "exporting_party": "CN",
            "importing_party": "TH",
            "date": "2026-06-01",
            "fob_value": {"amount": "1000", "currency": "USD"},
            "production_steps": [{"description": "machining and assembly", "party": "CN"}],
            "materials": [
                {
                    "id": "M1",
                    "description": "steel sheet",
                    "hs_code": "7209.17",
                    "value": {"amount": "300", "currency": "USD"},
                    "origin_party": "DE",
                    "originating": False,
                },
                {
                    "id": "M2",
                    "description": "copper bar",
                    "hs_code": "7407.10",
                    "value": {"amount": "200", "currency": "USD"},
                    "origin_party": "CN",
                    "originating": True,
                },
            ],
        }
    )


@pytest.fixture
def declaration_data() -> dict[str, Any]:
    return base_declaration()


# --- certificates -----------------------------------------------------------------------------

ISSUER_DID = "did:web:co.example.cn"


@pytest.fixture
def issuer_profile() -> Any:
    from rcep_origin.certificates.issuer import IssuerProfile
    from rcep_origin.certificates.model import Signatory

    return IssuerProfile(
        did=ISSUER_DID,
        name="China Council for the Promotion of International Trade, Suzhou",
        country="CN",
        signatory=Signatory(name="Li Wei", position="Certification Officer"),
        place_of_issue="Suzhou",
        number_prefix="CN",
        verification_url="https://co.example.cn/verify",
        status_url="https://co.example.cn/status",
    )


class Clock:
    """A settable clock, so tests control issue dates and key lifetimes."""

    def __init__(self, now: Any):
        self.now = now

    def __call__(self) -> Any:
        return self.now


@pytest.fixture
def clock() -> Clock:
    from datetime import UTC, datetime

    return Clock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))


@pytest.fixture
def signer(clock: Clock) -> Any:
    from datetime import timedelta

    from rcep_origin.certificates.keys import Ed25519Signer

    return Ed25519Signer.generate(ISSUER_DID, "key-1", clock.now - timedelta(days=30))


@pytest.fixture
def register(tmp_path: Path) -> Any:
    """An issuing body's register: the database registry on a SQLite file, in one session."""
    from sqlalchemy.orm import Session

    from rcep_origin.store.database import Database
    from rcep_origin.store.sql import SqlRegistry

    database = Database(f"sqlite:///{tmp_path / 'register.db'}")
    database.upgrade()
    with Session(database.engine) as session:
        yield SqlRegistry(session)
    database.dispose()


@pytest.fixture
def issuer(issuer_profile: Any, signer: Any, clock: Clock, register: Any) -> Any:
    from rcep_origin.certificates.issuer import Issuer

    return Issuer(issuer_profile, signer, register, clock=clock)


@pytest.fixture
def application() -> Any:
    from rcep_origin.cli.home import load_request

    return load_request(ROOT / "examples" / "certificate-request.yaml")


@pytest.fixture
def trust(signer: Any) -> Any:
    from rcep_origin.certificates.keys import Keyring
    from rcep_origin.certificates.verification import TrustStore

    return TrustStore(Keyring([signer.key]))
