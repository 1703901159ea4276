"""How a service instance is configured (command-line options or environment)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from rcep_origin.certificates.status_list import MIN_ENTRIES


@dataclass(frozen=True)
class Settings:
    # None: the SQLite file in the issuing body's home (the register the CLI uses too).
    database_url: str | None = field(
        default_factory=lambda: os.environ.get("RCEP_ORIGIN_DATABASE_URL") or None
    )
    issuer_home: Path = field(
        default_factory=lambda: Path(
            os.environ.get("RCEP_ORIGIN_HOME", Path.home() / ".rcep-origin")
        )
    )
    rules: Path | None = None  # a rule set directory instead of the built-in one
    trust: tuple[Path, ...] = ()  # other issuers' homes or keys.json the verifier trusts
    max_body_bytes: int = 2 * 1024 * 1024
    max_upload_bytes: int = 10 * 1024 * 1024  # POST /verify takes PDFs
    migrate: bool = True
    status_capacity: int = MIN_ENTRIES  # entries handed out per status list before a new one
    # The public verification endpoints, per client address (0 turns the limit off): a border
    # post's scanner verifies a few a second; a script trying numbers is slowed to this pace.
    public_rate_per_second: float = field(
        default_factory=lambda: float(os.environ.get("RCEP_ORIGIN_PUBLIC_RATE", "20"))
    )
    public_burst: int = field(
        default_factory=lambda: int(os.environ.get("RCEP_ORIGIN_PUBLIC_BURST", "60"))
    )

    @classmethod
    def from_environment(cls) -> Settings:
        """For the ASGI app uvicorn loads: ``rcep-origin serve`` has migrated the database and
        exported RCEP_ORIGIN_DATABASE_URL, RCEP_ORIGIN_HOME, RCEP_ORIGIN_TRUST and
        RCEP_ORIGIN_RULES."""
        trust = tuple(
            Path(p) for p in os.environ.get("RCEP_ORIGIN_TRUST", "").split(os.pathsep) if p
        )
        rules = os.environ.get("RCEP_ORIGIN_RULES")
        return cls(trust=trust, rules=Path(rules) if rules else None, migrate=False)
