"""Use cases on the legislation bundle the authority decides under (issue 14).

The bundle is layered: the built-in catalogue, the directory the service was started with
(``--rules DIR`` or ``RCEP_ORIGIN_RULES``), and on top the issuing body's *register overlay*: rows
it keeps in its register through the service, each with its source, every change audited.

- an *issuing body* adds and removes overlay rows, and approves or rejects proposals;
- an *exporter* proposes a row (the official Annex 3A row it holds for its good); a proposal
  decides nothing until an issuing body approves it;
- anyone authenticated reads the bundle's version, layers, overlay rows and proposals.

Every determination, pre-review and certificate names the version of the whole bundle it was
decided under, so a change of the overlay is visible in what it decides. The overlay is re-read
at the start of a unit of work at most once a second (``OVERLAY_RECHECK_SECONDS``) on that
unit's own session: a change made by another process (the CLI, another worker) is seen within
that time, a change made here at once.
"""

from __future__ import annotations

import csv
import io
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from rcep_origin.authority._core import EXPORTER, ISSUER, VERIFIER, _Work
from rcep_origin.authority._errors import Conflict, NotFound
from rcep_origin.authority._issuance import _Issuance
from rcep_origin.authority._views import View
from rcep_origin.declaration import validate_declaration
from rcep_origin.errors import InputError, RuleSetError
from rcep_origin.origin import determine
from rcep_origin.rules import (
    ENVIRONMENT_VARIABLE,
    PSR_COLUMNS,
    PSR_OPTIONAL,
    RuleSet,
    load_ruleset,
    with_rows,
)
from rcep_origin.rules.overlay import Row, make_row
from rcep_origin.store import schema, sql

OVERLAY_RECHECK_SECONDS = 1.0
_REVISION = "legislation.revision"  # a counter bumped by every change of the overlay
PROPOSED, APPROVED, REJECTED, REMOVED = "proposed", "approved", "rejected", "removed"


# --- inputs and views ----------------------------------------------------------------------------


class LegislationRowInput(BaseModel):
    """An Annex 3A row as the issuing body (or an exporter proposing it) states it."""

    model_config = ConfigDict(extra="forbid")

    hs_code: str = Field(min_length=2, max_length=12, examples=["8458.11"])
    rule: str = Field(min_length=1, max_length=500, examples=["CTH or RVC40"])
    source: str = Field(
        min_length=1,
        max_length=1000,
        description="where the row was read: the document and its page",
    )
    hs_edition: Literal["HS2012", "HS2017", "HS2022"] = "HS2022"
    description: str = Field(default="", max_length=1000)
    checked_by: str = Field(default="", max_length=300)
    note: str = Field(default="", max_length=1000)
    basis: Literal["transcribed", "transposed", "imported", "test"] = "transcribed"


class ProposalDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool
    reason: str = Field(min_length=1, max_length=2000)


class LegislationRowView(View):
    row_id: int
    hs_code: str
    hs_edition: str
    rule: str
    source: str
    description: str
    basis: str
    checked_by: str
    note: str
    state: str = Field(description="proposed, approved, rejected or removed")
    proposed_by: str
    decided_by: str | None
    reason: str | None
    created: datetime
    decided: datetime | None


class LayerView(View):
    name: str
    release: str
    kind: str = Field(description="built-in, directory or register")
    location: str
    sha256: str


class LegislationView(View):
    version: str = Field(description="the bundle every determination here is decided under")
    layers: list[LayerView]
    rules: int
    overlay: list[LegislationRowView] = Field(description="the register overlay's rows in force")
    proposals: list[LegislationRowView] = Field(description="rows proposed, awaiting a decision")


class VerdictChangeView(View):
    run_id: str
    declaration_id: str
    version: int
    before: str
    after: str


# --- the use cases -------------------------------------------------------------------------------


class _Legislation(_Issuance):
    _base_ruleset: RuleSet
    _overlay: tuple[int, RuleSet] | None
    _overlay_checked: float
    _overlay_lock: threading.Lock

    @classmethod
    def open(
        cls,
        home: Path,
        database_url: str | None = None,
        *,
        rules: Path | str | None = None,
        **options: Any,
    ) -> Self:
        """As ``_Core.open``; the bundle is ``ruleset=`` if given, else the directory ``rules``,
        else ``RCEP_ORIGIN_RULES``, else the built-in one -- the same order for the CLI and the
        service."""
        if options.get("ruleset") is None:
            directory = rules or os.environ.get(ENVIRONMENT_VARIABLE) or None
            if directory:
                try:
                    options["ruleset"] = load_ruleset(Path(directory))
                except RuleSetError as exc:
                    raise InputError(f"rule set {directory}: {exc}", path="rules") from None
        return super().open(home, database_url, **options)

    # ``_Core`` sets ``self.ruleset`` to the base bundle; reading it gives the base with the
    # register overlay on top.
    @property
    def ruleset(self) -> RuleSet:
        overlay = self.__dict__.get("_overlay")
        return overlay[1] if overlay is not None else self._base_ruleset

    @ruleset.setter
    def ruleset(self, value: RuleSet) -> None:
        self._base_ruleset = value
        self._overlay = None
        self._overlay_checked = 0.0
        self._overlay_lock = threading.Lock()

    @contextmanager
    def _work(self, *, writes: bool = True) -> Iterator[_Work]:
        with super()._work(writes=writes) as work:
            if time.monotonic() - self._overlay_checked >= OVERLAY_RECHECK_SECONDS:
                self._refresh_overlay(work.session)
            yield work

    def _refresh_overlay(self, session: Session, *, force: bool = False) -> None:
        if not self._overlay_lock.acquire(blocking=force):
            return  # another thread is refreshing: this unit of work uses the current bundle
        try:
            counter = session.get(schema.Sequence, _REVISION)
            revision = 0 if counter is None else int(counter.value)
            current = self._overlay
            if force or current is None or current[0] != revision:
                self._overlay = (revision, self._compose(session, revision))
            self._overlay_checked = time.monotonic()
        finally:
            self._overlay_lock.release()

    def _compose(self, session: Session, revision: int) -> RuleSet:
        rows = self._rows(session, APPROVED)
        if not rows:
            return self._base_ruleset
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(PSR_COLUMNS + PSR_OPTIONAL)
        for row in rows:
            writer.writerow(_cells(row))
        party = self.keystore.profile().country
        try:
            return with_rows(
                self._base_ruleset,
                name=f"register-{party}",
                release=f"r{revision}",
                psr_text=out.getvalue(),
                location=f"register of {self.keystore.profile().name}",
            )
        except RuleSetError as exc:  # rows are checked when added; a defect if it happens
            raise RuleSetError(f"the register overlay does not load: {exc}") from exc

    @staticmethod
    def _rows(session: Session, state: str) -> list[schema.LegislationRow]:
        query = (
            select(schema.LegislationRow)
            .where(schema.LegislationRow.state == state)
            .order_by(schema.LegislationRow.id)
        )
        return list(session.execute(query).scalars())

    def _changed(self, work: _Work) -> None:
        sql._next(work.session, _REVISION)
        self._refresh_overlay(work.session, force=True)

    # -- reading --------------------------------------------------------------------------

    def legislation(self, actor: sql.Principal) -> LegislationView:
        """The bundle decisions are made under: version, layers, overlay rows, proposals (an
        exporter sees only its own proposals)."""
        self._require(actor, EXPORTER, ISSUER, VERIFIER)
        with self._work(writes=False) as work:
            self._refresh_overlay(work.session, force=True)
            proposals = self._rows(work.session, PROPOSED)
            if actor.role != ISSUER:
                proposals = [p for p in proposals if p.proposed_by == actor.organisation_id]
            ruleset = self.ruleset
            return LegislationView(
                version=ruleset.version,
                layers=[
                    LayerView(
                        name=layer.name,
                        release=layer.release,
                        kind=layer.kind,
                        location=layer.location,
                        sha256=layer.sha256,
                    )
                    for layer in ruleset.layers
                ],
                rules=len(ruleset.psr),
                overlay=[_row_view(r) for r in self._rows(work.session, APPROVED)],
                proposals=[_row_view(r) for r in proposals],
            )

    # -- the issuing body's overlay -------------------------------------------------------

    def add_legislation_row(
        self, actor: sql.Principal, row: LegislationRowInput
    ) -> LegislationRowView:
        """Add a row to the register overlay (issuing body). It must parse, cite its source and
        not clash with a row in force for the same code and edition."""
        self._issuing_body(actor)
        checked = _checked(row)
        with self._work() as work:
            self._no_row_in_force(work.session, checked)
            stored = _new_row(checked, APPROVED, actor.organisation_id)
            stored.decided_by, stored.decided = actor.actor, sql.now()
            work.session.add(stored)
            work.session.flush()
            self._try_compose(work, stored)
            work.record(actor, "legislation.add", f"row {stored.id}", _audited(stored))
            self._changed(work)
            return _row_view(stored)

    def remove_legislation_row(
        self, actor: sql.Principal, row_id: int, reason: str
    ) -> LegislationRowView:
        self._issuing_body(actor)
        with self._work() as work:
            stored = work.session.get(schema.LegislationRow, row_id, with_for_update=True)
            if stored is None or stored.state != APPROVED:
                raise NotFound("No overlay row in force with this id")
            stored.state, stored.reason = REMOVED, reason
            stored.decided_by, stored.decided = actor.actor, sql.now()
            work.record(actor, "legislation.remove", f"row {stored.id}", _audited(stored))
            self._changed(work)
            return _row_view(stored)

    def propose_legislation_row(
        self, actor: sql.Principal, row: LegislationRowInput
    ) -> LegislationRowView:
        """An exporter proposes a row; it decides nothing until an issuing body approves it."""
        self._require(actor, EXPORTER)
        checked = _checked(row)
        with self._work() as work:
            stored = _new_row(checked, PROPOSED, actor.organisation_id)
            work.session.add(stored)
            work.session.flush()
            work.record(actor, "legislation.propose", f"row {stored.id}", _audited(stored))
            return _row_view(stored)

    def decide_proposal(
        self, actor: sql.Principal, row_id: int, decision: ProposalDecision
    ) -> LegislationRowView:
        self._issuing_body(actor)
        with self._work() as work:
            stored = work.session.get(schema.LegislationRow, row_id, with_for_update=True)
            if stored is None:
                raise NotFound("No such proposal")
            if stored.state != PROPOSED:
                raise Conflict(f"The proposal is already {stored.state}", kind="proposal-decided")
            if decision.approve:
                self._no_row_in_force(work.session, _row_of(stored))
            stored.state = APPROVED if decision.approve else REJECTED
            stored.reason, stored.decided_by, stored.decided = (
                decision.reason,
                actor.actor,
                sql.now(),
            )
            if decision.approve:
                self._try_compose(work, stored)
            action = "legislation.approve" if decision.approve else "legislation.reject"
            work.record(actor, action, f"row {stored.id}", _audited(stored))
            if decision.approve:
                self._changed(work)
            return _row_view(stored)

    def _no_row_in_force(self, session: Session, row: Row) -> None:
        for other in self._rows(session, APPROVED):
            if (other.hs_edition, _digits(other.hs_code)) == (row.hs_edition, _digits(row.hs_code)):
                raise Conflict(
                    f"The overlay already has a row for {row.hs_code} ({row.hs_edition})",
                    f"row {other.id}: {other.rule!r}; remove it first",
                    kind="row-exists",
                )

    def _try_compose(self, work: _Work, stored: schema.LegislationRow) -> None:
        try:
            self._compose(work.session, -1)
        except RuleSetError as exc:
            raise InputError(str(exc), path="rule") from None

    # -- what a change of bundle changes ----------------------------------------------------

    def verdicts_changed_by(
        self, actor: sql.Principal, before: RuleSet, after: RuleSet
    ) -> list[VerdictChangeView]:
        """The stored determinations (the latest run of each declaration version) whose verdict
        differs under ``after`` from under ``before``: what a change of rules would change."""
        self._issuing_body(actor)
        changed: list[VerdictChangeView] = []
        with self._work(writes=False) as work:
            query = (
                select(schema.Run, schema.DeclarationVersion)
                .join(
                    schema.DeclarationVersion,
                    schema.DeclarationVersion.id == schema.Run.declaration_version_id,
                )
                .where(schema.Run.kind == "determination")
                .order_by(schema.Run.created)
            )
            latest: dict[int, tuple[schema.Run, schema.DeclarationVersion]] = {}
            for run, version in work.session.execute(query).all():
                latest[version.id] = (run, version)
            for run, version in latest.values():
                declaration = validate_declaration(version.document)
                a, b = (_said(determine(declaration, ruleset=r)) for r in (before, after))
                if a != b:
                    changed.append(
                        VerdictChangeView(
                            run_id=run.id,
                            declaration_id=version.declaration_id,
                            version=version.version,
                            before=a,
                            after=b,
                        )
                    )
        return changed


def _said(verdict: Any) -> str:
    rule = "" if verdict.rule is None else f" under {verdict.rule.text!r}"
    return f"{verdict.outcome.value}{'' if verdict.criterion is None else ' ' + verdict.criterion}{rule}"


def _digits(code: str) -> str:
    return code.replace(".", "")


def _checked(row: LegislationRowInput) -> Row:
    try:
        return make_row(
            row.hs_code,
            row.rule,
            source=row.source,
            edition=row.hs_edition,
            description=row.description,
            basis=row.basis,
            checked_by=row.checked_by,
            note=row.note,
        )
    except RuleSetError as exc:
        field, _, message = str(exc).partition(": ")
        known = field in ("hs_code", "rule", "source", "edition", "basis", "description", "note")
        raise InputError(message if known else str(exc), path=field if known else "") from None


def _new_row(row: Row, state: str, proposed_by: str) -> schema.LegislationRow:
    return schema.LegislationRow(
        hs_code=row.hs_code,
        hs_edition=row.hs_edition,
        rule=row.rule,
        source=row.source,
        description=row.description,
        basis=row.basis,
        checked_by=row.checked_by,
        note=row.note,
        state=state,
        proposed_by=proposed_by,
        decided_by=None,
        reason=None,
        created=sql.now(),
        decided=None,
    )


def _row_of(stored: schema.LegislationRow) -> Row:
    return Row(*_cells(stored))


def _cells(stored: schema.LegislationRow) -> list[str]:
    return [
        stored.hs_code,
        stored.rule,
        stored.hs_edition,
        stored.source,
        stored.description,
        stored.basis,
        stored.checked_by,
        stored.note,
    ]


def _audited(stored: schema.LegislationRow) -> dict[str, Any]:
    return {
        "hs_code": stored.hs_code,
        "hs_edition": stored.hs_edition,
        "rule": stored.rule,
        "source": stored.source,
        "state": stored.state,
        "proposed_by": stored.proposed_by,
        "reason": stored.reason,
    }


def _row_view(stored: schema.LegislationRow) -> LegislationRowView:
    return LegislationRowView(
        row_id=stored.id,
        hs_code=stored.hs_code,
        hs_edition=stored.hs_edition,
        rule=stored.rule,
        source=stored.source,
        description=stored.description,
        basis=stored.basis,
        checked_by=stored.checked_by,
        note=stored.note,
        state=stored.state,
        proposed_by=stored.proposed_by,
        decided_by=stored.decided_by,
        reason=stored.reason,
        created=stored.created,
        decided=stored.decided,
    )
