"""A directory as the issuing body's store: keys, issued certificates, status lists.

Layout of the home directory::

    issuer.json                 the issuer profile (DID, name, Party, signatory, URLs)
    keys/keys.json              every key's public record and lifetime
    keys/<kid>.pem              Ed25519 private keys (mode 0600)
    keys/xml-<kid>.pem|.crt     the P-256 key and self-signed certificate for XML-DSig
    public/did.json, jwks.json  what the issuer publishes
    certificates/<number>/      credential.json, credential.jwt, certificate.xml (one rename)
    status/<list>.bits|.json    the raw bitstring and its signed credential
    state.json                  sequence numbers and reserved status indexes

Every write goes to a temporary file and is renamed into place, and a whole certificate
directory appears in one rename, so a crash leaves either the complete certificate or none.
One process at a time holds ``lock`` (fcntl) for a transaction.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rcep_origin.certificates.credential import (
    StatusEntry,
    certificate_from_credential,
    status_entries,
)
from rcep_origin.certificates.issuer import IssuedCertificate
from rcep_origin.certificates.status_list import Bitstring
from rcep_origin.store.keystore import StoreError, _read_json, _write_atomic, _write_json


class FileRegistry:
    def __init__(self, home: Path):
        self.home = Path(home)
        self._depth = 0
        self._state: dict[str, Any] | None = None

    # -- transactions ---------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.home.mkdir(parents=True, exist_ok=True)
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        with open(self.home / "lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._depth = 1
            self._state = self._load_state()
            try:
                yield
                _write_json(self.home / "state.json", self._state)
            finally:
                self._state = None
                self._depth = 0
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _load_state(self) -> dict[str, Any]:
        path = self.home / "state.json"
        return _read_json(path) if path.exists() else {"sequences": {}, "reserved": {}}

    @property
    def state(self) -> dict[str, Any]:
        if self._state is None:
            raise RuntimeError("registry state is only touched inside a transaction")
        return self._state

    # -- numbering and status -------------------------------------------------------------
    def next_sequence(self, year: int) -> int:
        sequences = self.state["sequences"]
        sequences[str(year)] = sequences.get(str(year), 0) + 1
        return int(sequences[str(year)])

    def reserve_status_index(self, list_id: str, index: int) -> bool:
        reserved = self.state["reserved"].setdefault(list_id, [])
        if index in reserved:
            return False
        reserved.append(index)
        return True

    def status_bits(self, list_id: str) -> Bitstring:
        path = self.home / "status" / f"{list_id}.bits"
        return Bitstring(bits=bytearray(path.read_bytes())) if path.exists() else Bitstring()

    def save_status_list(self, list_id: str, bits: Bitstring, credential: dict[str, Any]) -> None:
        _write_atomic(self.home / "status" / f"{list_id}.bits", bytes(bits.bits))
        _write_json(self.home / "status" / f"{list_id}.json", credential)

    def status_list_credential(self, url: str) -> dict[str, Any] | None:
        path = self.home / "status" / f"{url.rstrip('/').rsplit('/', 1)[-1]}.json"
        if not path.exists():
            return None
        loaded: dict[str, Any] = _read_json(path)
        return loaded if loaded.get("id") == url else None

    # -- certificates ---------------------------------------------------------------------
    def _certificate_dir(self, number: str) -> Path:
        if not number.replace("-", "").isalnum():
            raise StoreError(f"{number!r} is not a certificate number", path="number")
        return self.home / "certificates" / number

    def save_issued(self, issued: Sequence[IssuedCertificate]) -> None:
        root = self.home / "certificates"
        root.mkdir(parents=True, exist_ok=True)
        for item in issued:
            target = self._certificate_dir(item.certificate.number)
            if target.exists():
                raise StoreError(f"certificate {item.certificate.number} already exists")
            staging = Path(tempfile.mkdtemp(dir=root, prefix=".staging-"))
            try:
                (staging / "credential.json").write_text(
                    json.dumps(item.credential, indent=2, ensure_ascii=False) + "\n", "utf-8"
                )
                (staging / "credential.jwt").write_text(item.jwt + "\n", "ascii")
                if item.xml is not None:
                    (staging / "certificate.xml").write_bytes(item.xml)
                os.replace(staging, target)  # the whole certificate appears at once
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise

    def status_entries_of(self, number: str) -> list[StatusEntry] | None:
        issued = self.issued(number)
        return None if issued is None else list(issued.status)

    def issued(self, number: str) -> IssuedCertificate | None:
        folder = self._certificate_dir(number)
        if not (folder / "credential.json").exists():
            return None
        credential = _read_json(folder / "credential.json")
        xml = folder / "certificate.xml"
        return IssuedCertificate(
            certificate=certificate_from_credential(credential),
            credential=credential,
            jwt=(folder / "credential.jwt").read_text("ascii").strip(),
            xml=xml.read_bytes() if xml.exists() else None,
            status=tuple(status_entries(credential)),
        )
