"""Use cases on declarations: submit (immutable versions), read, determine, pre-review, and
the runs they leave."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rcep_origin.authority._core import EXPORTER, ISSUER, Idempotency, _Core, _new_id, _Work
from rcep_origin.authority._errors import (
    NotFound,
    Refused,
)
from rcep_origin.authority._views import (
    DeclarationDocumentView,
    DeclarationVersionView,
    DeclarationView,
    DeterminationRunView,
    Outcome,
    PrereviewRunView,
    RunView,
)
from rcep_origin.declaration import Declaration, canonical_json, validate_declaration
from rcep_origin.origin import determine
from rcep_origin.store import schema, sql


class _Declarations(_Core):
    # -- declarations ----------------------------------------------------------------------

    def submit_declaration(
        self,
        actor: sql.Principal,
        document: Any,
        *,
        declaration_id: str | None = None,
        idempotency: Idempotency | None = None,
    ) -> Outcome[DeclarationVersionView]:
        """Store a declaration (version 1), or a new immutable version of one."""
        self._require(actor, EXPORTER)
        declaration = validate_declaration(document)  # before any transaction: bad input is 400
        if declaration.exporting_party != actor.party:
            raise Refused(
                "An exporter declares goods exported from its own Party",
                f"the declaration says {declaration.exporting_party}; the exporter is "
                f"registered in {actor.party}",
                kind="wrong-party",
                field="exporting_party",
            )
        with self._work() as work:

            def store() -> DeclarationVersionView:
                if declaration_id is not None:
                    self._own_declaration(work.session, actor, declaration_id)
                return self._store_version(
                    work, actor, declaration_id or _new_id("decl"), declaration
                )

            return self._once(work, actor, idempotency, DeclarationVersionView, store)

    def _own_declaration(
        self, session: Session, actor: sql.Principal, declaration_id: str
    ) -> schema.DeclarationVersion:
        row = sql.declaration_version(session, declaration_id)
        if row is None or row.organisation_id != actor.organisation_id:
            raise NotFound("No such declaration")
        return row

    def _store_version(
        self, work: _Work, actor: sql.Principal, declaration_id: str, declaration: Declaration
    ) -> DeclarationVersionView:
        document = declaration.model_dump(mode="json", by_alias=True, exclude_none=True)
        digest = hashlib.sha256(canonical_json(declaration).encode()).hexdigest()
        try:
            row = sql.add_declaration_version(
                work.session, actor.organisation_id, declaration_id, document, digest
            )
        except PermissionError:
            raise NotFound("No such declaration") from None
        work.record(
            actor, "declaration.version", f"{declaration_id}@{row.version}", {"sha256": digest}
        )
        return _version_view(row)

    def declaration(
        self, actor: sql.Principal, declaration_id: str, version: int | None = None
    ) -> DeclarationView | DeclarationDocumentView:
        """The latest version with the list of versions, or one version."""
        self._require(actor, EXPORTER, ISSUER)
        with self._work(writes=False) as work:
            row = self._readable_version(work.session, actor, declaration_id, version)
            if version is not None:
                return DeclarationDocumentView(
                    **_version_view(row).model_dump(), document=row.document
                )
            return DeclarationView(
                **_version_view(row).model_dump(),
                document=row.document,
                versions=[
                    _version_view(r) for r in sql.declaration_versions(work.session, declaration_id)
                ],
            )

    def _readable_version(
        self, session: Session, actor: sql.Principal, declaration_id: str, version: int | None
    ) -> schema.DeclarationVersion:
        row = sql.declaration_version(session, declaration_id, version)
        if row is None or not self._may_read(session, actor, row):
            raise NotFound("No such declaration")
        return row

    def _may_read(
        self, session: Session, actor: sql.Principal, row: schema.DeclarationVersion
    ) -> bool:
        """Its exporter; an issuing body of the exporting Party once it is named in an
        application (costs are private: nobody else, whatever the role)."""
        if row.organisation_id == actor.organisation_id:
            return True
        if actor.role != ISSUER or actor.party != self.keystore.profile().country:
            return False
        exporter = session.get(schema.Organisation, row.organisation_id)
        return (
            exporter is not None
            and exporter.party == actor.party
            and _requested(session, row.declaration_id)
        )

    # -- determinations and pre-reviews ----------------------------------------------------

    def determine(
        self,
        actor: sql.Principal,
        declaration_id: str,
        version: int | None = None,
        *,
        idempotency: Idempotency | None = None,
    ) -> Outcome[DeterminationRunView]:
        """Determine origin for a stored declaration version; the run and its verdict are
        kept, and its hashes audited."""
        self._require(actor, EXPORTER, ISSUER)
        with self._work() as work:

            def run() -> DeterminationRunView:
                row = self._readable_version(work.session, actor, declaration_id, version)
                _, declaration, relied = self._decided(work, row)
                verdict = determine(declaration, ruleset=self.ruleset)
                record = self._record_run(
                    work,
                    actor,
                    row,
                    "determination",
                    verdict.outcome.value,
                    verdict.to_dict(),
                    {"determination_sha256": verdict.sha256(), **self._relied_audit(relied)},
                )
                self._after_determination(work, record, row, relied)
                return DeterminationRunView(
                    run_id=record.id,
                    declaration_id=declaration_id,
                    version=row.version,
                    determination=verdict.to_dict(),
                )

            return self._once(work, actor, idempotency, DeterminationRunView, run)

    def prereview(
        self,
        actor: sql.Principal,
        declaration_id: str,
        version: int | None = None,
        *,
        lang: str = "en",
        idempotency: Idempotency | None = None,
    ) -> Outcome[PrereviewRunView]:
        """Pre-review a stored declaration version against the exporter's other declarations."""
        self._require(actor, EXPORTER, ISSUER)
        with self._work() as work:

            def run() -> PrereviewRunView:
                row = self._readable_version(work.session, actor, declaration_id, version)
                record, review = self._run_prereview(work, actor, row, lang)
                return PrereviewRunView(
                    run_id=record.id,
                    declaration_id=declaration_id,
                    version=row.version,
                    prereview=review.to_dict(),
                )

            return self._once(work, actor, idempotency, PrereviewRunView, run)

    def _record_run(
        self,
        work: _Work,
        actor: sql.Principal,
        row: schema.DeclarationVersion,
        kind: str,
        outcome: str,
        result: dict[str, Any],
        audited: dict[str, Any],
    ) -> schema.Run:
        run = schema.Run(
            id=_new_id("run"),
            kind=kind,
            declaration_version_id=row.id,
            organisation_id=actor.organisation_id,
            outcome=outcome,
            result=result,
            created=sql.now(),
        )
        work.session.add(run)
        work.record(
            actor,
            f"{kind}.run",
            run.id,
            {"declaration": f"{row.declaration_id}@{row.version}", **audited},
        )
        return run

    # -- hooks: what a verdict is decided on (the evidence layer resolves supplier
    #    declarations and records what was relied on; here, the declaration as stored) --------

    def _decided(
        self, work: _Work, row: schema.DeclarationVersion
    ) -> tuple[Declaration, Declaration, list[Any]]:
        """The declaration as stored, the one a verdict is decided on, and what that relied on
        beyond the declaration itself."""
        declaration = validate_declaration(row.document)
        return declaration, declaration, []

    def _relied_audit(self, relied: list[Any]) -> dict[str, Any]:
        return {}

    def _after_determination(
        self, work: _Work, record: schema.Run, row: schema.DeclarationVersion, relied: list[Any]
    ) -> None:
        return None

    def _prereview_context(
        self, work: _Work, declared: Declaration, relied: list[Any], others: Any
    ) -> Any:
        return others

    def _run_prereview(
        self, work: _Work, actor: sql.Principal, row: schema.DeclarationVersion, lang: str
    ) -> tuple[schema.Run, Any]:
        # Pre-review loads the HS suggester (its model on first doubt): imported where used.
        from rcep_origin.prereview import PreReviewContext, prereview

        latest: dict[str, schema.DeclarationVersion] = {}
        for other in sql.organisation_declarations(work.session, row.organisation_id):
            if (
                other.declaration_id != row.declaration_id
                and other.version >= latest.get(other.declaration_id, other).version
            ):
                latest[other.declaration_id] = other
        others = PreReviewContext.from_declarations(
            (r.declaration_id, validate_declaration(r.document)) for r in latest.values()
        )
        declared, declaration, relied = self._decided(work, row)
        review = prereview(
            declaration,
            ruleset=self.ruleset,
            lang=lang,
            context=self._prereview_context(work, declared, relied, others),
            source=row.declaration_id,
        )
        record = self._record_run(
            work,
            actor,
            row,
            "prereview",
            review.verdict.value,
            review.to_dict(),
            {"verdict": review.verdict.value},
        )
        return record, review

    def run(self, actor: sql.Principal, run_id: str) -> RunView:
        self._require(actor, EXPORTER, ISSUER)
        with self._work(writes=False) as work:
            found = work.session.get(schema.Run, run_id)
            version = (
                None
                if found is None
                else work.session.get(schema.DeclarationVersion, found.declaration_version_id)
            )
            if (
                found is None
                or version is None
                or not (
                    found.organisation_id == actor.organisation_id
                    or self._may_read(work.session, actor, version)
                )
            ):
                raise NotFound("No such run")
            return RunView(
                run_id=found.id,
                kind=found.kind,
                outcome=found.outcome,
                result=found.result,
                created=found.created,
            )


def _requested(session: Session, declaration_id: str) -> bool:
    for application in session.execute(select(schema.CertificateRequestRow.application)).scalars():
        if any(item["declaration_id"] == declaration_id for item in application["items"]):
            return True
    return False


def _version_view(row: schema.DeclarationVersion) -> DeclarationVersionView:
    return DeclarationVersionView(
        declaration_id=row.declaration_id,
        version=row.version,
        sha256=row.sha256,
        created=row.created,
    )
