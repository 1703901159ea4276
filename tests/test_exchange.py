"""The e-CO exchange (issue 20) through the application layer, with two registers in one
process -- China's issuing body and Thailand's customs -- joined by an HTTP test double
(``httpx.MockTransport``) that routes each request to the other authority: the outbox, retries
and exactly-once delivery, receipts, status notices, the trust list and the inbox's reading
rules. Run on SQLite and (when RCEP_ORIGIN_TEST_DATABASE_URL is set, as in CI) PostgreSQL.

The two real deployments over real HTTP are tests/test_exchange_deployments.py."""

from __future__ import annotations

import copy
import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from rcep_origin.authority import (
    Authority,
    Conflict,
    Database,
    Forbidden,
    InboxQuery,
    NotFound,
    PeerInput,
    StatusNotice,
    TrustInput,
    operator,
)
from rcep_origin.certificates import trust_from_published
from rcep_origin.certificates.issuer import IssuerProfile
from rcep_origin.certificates.model import Signatory
from rcep_origin.certificates.receipts import verify_receipt
from rcep_origin.cli.home import load_request
from rcep_origin.errors import InputError
from rcep_origin.store import schema, sql
from rcep_origin.store.keystore import FileKeystore

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("RCEP_ORIGIN_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES else [])
CN_DID, TH_DID = "did:web:co.example.cn", "did:web:customs.example.th"
CN_BASE, TH_BASE = "http://cn.test", "http://th.test"


def _databases(backend: str, tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    if backend == "sqlite":
        pair = (
            Database(f"sqlite:///{tmp_path / 'cn.db'}"),
            Database(f"sqlite:///{tmp_path / 'th.db'}"),
        )
        yield pair
        for database in pair:
            database.dispose()
        return
    assert POSTGRES is not None
    schemas = ["e_" + uuid.uuid4().hex[:12] for _ in range(2)]
    admin = Database(POSTGRES)
    with admin.engine.begin() as connection:
        for name in schemas:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
    pair = tuple(
        Database(POSTGRES, connect_args={"options": f"-csearch_path={name}"}) for name in schemas
    )
    yield pair  # type: ignore[misc]
    for database in pair:
        database.dispose()
    with admin.engine.begin() as connection:
        for name in schemas:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


def _home(path: Path, did: str, name: str, country: str, base: str) -> Path:
    keystore = FileKeystore(path)
    keystore.save_profile(
        IssuerProfile(
            did=did,
            name=name,
            country=country,
            signatory=Signatory(name="Officer", position="Certification Officer"),
            place_of_issue=country,
            number_prefix=country,
            verification_url=f"{base}/verify",
            status_url=f"{base}/status",
        )
    )
    keystore.create_key()
    return path


@dataclass
class Pair:
    """China's issuing body and Thailand's customs, and the double of the network between them."""

    cn: Authority
    th: Authority
    keys: dict[str, str]
    # Before the peer's inbox answers: raise to drop the connection, return a status to fail.
    inbox_fault: Callable[[httpx.Request], httpx.Response | None] | None = None
    # After the inbox stored a delivery: a status to send back instead of its answer.
    lose_answer: Callable[[httpx.Response], httpx.Response | None] | None = None
    status_reachable: bool = True
    posts: list[str] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        url, path = str(request.url), request.url.path
        if url.startswith(CN_BASE + "/status/"):
            if not self.status_reachable:
                raise httpx.ConnectError("CN unreachable", request=request)
            return httpx.Response(200, json=self.cn.status_list(path.rsplit("/", 1)[-1]))
        if url == TH_BASE + "/.well-known/did.json":
            return httpx.Response(200, json=self.th.published("did.json"))
        if url in (TH_BASE + "/v1/exchange/inbox", TH_BASE + "/v1/exchange/notices"):
            self.posts.append(path)
            if self.inbox_fault is not None:
                faulted = self.inbox_fault(request)
                if faulted is not None:
                    return faulted
            who = self.th.authenticate(request.headers["authorization"].split(" ", 1)[1])
            try:
                if path.endswith("inbox"):
                    outcome = self.th.receive(who, request.content)
                else:
                    notice = StatusNotice.model_validate(json.loads(request.content))
                    outcome = self.th.receive_notice(who, request.content, notice)
            except NotFound as exc:
                return httpx.Response(404, json={"title": exc.title, "detail": exc.detail})
            response = httpx.Response(outcome.status, json=outcome.view.model_dump(mode="json"))
            if self.lose_answer is not None:
                return self.lose_answer(response) or response
            return response
        return httpx.Response(404, json={"title": f"nothing at {url}"})

    def issue(self, *, quantity: str = "120", importer: str | None = None) -> str:
        request = load_request(ROOT / "examples" / "certificate-request.yaml")
        departure = (datetime.now(UTC) + timedelta(days=10)).date()
        consignment = request.consignment.model_copy(update={"departure_date": departure})
        item = request.items[0].model_copy(
            update={
                "quantity": request.items[0].quantity.model_copy(
                    update={"value": Decimal(quantity)}
                )
            }
        )
        update: dict[str, Any] = {"consignment": consignment, "items": [item]}
        if importer is not None:
            update["importer"] = request.importer.model_copy(update={"name": importer})
        issued = self.cn.issue_application(operator("CN"), [request.model_copy(update=update)])
        return issued[0].certificate.number

    def peer(self) -> Any:
        return self.th.authenticate(self.keys["peer"])

    def customs(self) -> Any:
        return self.th.authenticate(self.keys["th-customs"])


@pytest.fixture(params=BACKENDS)
def pair(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Pair]:
    # The test double answers at once; a loaded machine must not turn a fetch into a timeout.
    monkeypatch.setenv("RCEP_ORIGIN_EXCHANGE_STATUS_TIMEOUT", "30")
    databases = _databases(request.param, tmp_path)
    cn_db, th_db = next(databases)
    cn = Authority.open(
        _home(tmp_path / "cn", CN_DID, "CCPIT Suzhou", "CN", CN_BASE), database=cn_db
    )
    th = Authority.open(
        _home(tmp_path / "th", TH_DID, "Thai Customs", "TH", TH_BASE), database=th_db
    )
    keys: dict[str, str] = {}
    with th_db.session() as session:
        for org, role, party, name in (
            ("cn-ccpit", "issuing_body", "CN", "CCPIT Suzhou"),
            ("jp-jcci", "issuing_body", "JP", "JCCI"),
            ("th-officer", "issuing_body", "TH", "Thai Customs"),
            ("th-customs", "verifier", "TH", "Laem Chabang Customs House"),
            ("siam", "exporter", "TH", "Siam Automation Co., Ltd."),
            ("other-importer", "exporter", "TH", "Bangkok Traders Ltd."),
        ):
            sql.create_organisation(
                session, id=org, name=name, role=role, party=party, address=f"{name}, Bangkok"
            )
            keys[{"cn-ccpit": "peer"}.get(org, org)] = sql.create_api_key(session, org)
    found = Pair(cn, th, keys)
    transport = httpx.MockTransport(found.handle)
    cn.exchange_transport = th.exchange_transport = transport
    th.trust_add(
        operator("TH"),
        TrustInput(party="CN", document=cn.published("did.json"), source="test"),
    )
    cn.peer_add(
        operator("CN"),
        PeerInput(
            party="TH",
            url=TH_BASE,
            key=keys["peer"],
            did_document=th.published("did.json"),
        ),
    )
    yield found
    cn.dispose()
    th.dispose()
    next(databases, None)


def deliveries(pair: Pair, number: str) -> list[Any]:
    return pair.cn.deliveries(operator("CN"), number)


def inbox(pair: Pair, **filters: Any) -> list[Any]:
    return pair.th.inbox(pair.customs(), InboxQuery(**filters))


# --- the outbox is written with the issuance ---------------------------------------------------


def test_an_issued_certificate_for_a_party_with_a_peer_is_queued_in_the_same_transaction(
    pair: Pair,
) -> None:
    number = pair.issue()
    [queued] = deliveries(pair, number)
    assert (queued.party, queued.event, queued.state, queued.attempts) == (
        "TH",
        "certificate",
        "queued",
        0,
    )
    assert pair.cn.outbox_signal().is_set()  # the worker is woken once it committed


def test_a_failed_issuance_queues_nothing(pair: Pair) -> None:
    request = load_request(ROOT / "examples" / "certificate-request.yaml")
    broken = request.model_copy(
        update={"importer": request.importer.model_copy(update={"country": "CN"})}
    )
    with pytest.raises(Exception):  # noqa: B017 - whichever refusal: nothing may be queued
        pair.cn.issue_application(operator("CN"), [broken])
    with pair.cn.database.session(writes=False) as session:
        assert session.execute(select(schema.OutboxRow)).first() is None


def test_a_certificate_for_a_party_without_a_peer_is_not_queued(pair: Pair) -> None:
    pair.cn.peer_remove(operator("CN"), "TH")
    number = pair.issue()
    assert deliveries(pair, number) == []


# --- delivery, receipts, exactly once ----------------------------------------------------------


def test_a_delivery_is_verified_classified_stored_and_acknowledged_with_a_signed_receipt(
    pair: Pair,
) -> None:
    number = pair.issue()
    done = pair.cn.deliver_due()
    assert done.attempted == 1
    [delivery] = deliveries(pair, number)
    assert delivery.state == "acknowledged", delivery
    receipt = delivery.receipt
    assert receipt["verdict"] == "valid" and receipt["accepted"] is True
    assert receipt["receiver"] == TH_DID and receipt["sender"] == "cn-ccpit"
    assert receipt["reason_zh"].startswith("已接收并核验")
    assert verify_receipt(receipt, trust_from_published(pair.th.published("did.json")), TH_DID)
    [record] = inbox(pair)
    assert (record.number, record.verdict, record.status) == (number, "valid", "in force")
    assert record.hs_chapters == ["85"] and record.exporting_party == "CN"
    full = pair.th.inbox_record(pair.customs(), record.record_id)
    assert full.receipt == receipt
    assert full.certificate is not None and full.certificate["number"] == number
    assert [c.name for c in full.checks][-2:] == ["sender", "destination"]


def test_with_the_peer_down_the_delivery_waits_backs_off_and_arrives_once_it_is_back(
    pair: Pair,
) -> None:
    number = pair.issue()

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    pair.inbox_fault = down
    for _ in range(3):
        pair.cn.deliver_due(ignore_schedule=True)
    [waiting] = deliveries(pair, number)
    assert (waiting.state, waiting.attempts) == ("queued", 3)
    assert "connection refused" in (waiting.last_error or "")
    assert waiting.next_attempt is not None and waiting.next_attempt > datetime.now(UTC)
    assert pair.cn.deliver_due().attempted == 0  # backing off: not due yet
    pair.inbox_fault = None
    pair.cn.deliver_due(ignore_schedule=True)
    assert deliveries(pair, number)[0].state == "acknowledged"
    assert len(inbox(pair, number=number)) == 1


def test_a_lost_answer_is_sent_again_and_the_inbox_keeps_one_record_with_one_receipt(
    pair: Pair,
) -> None:
    number = pair.issue()
    first: list[httpx.Response] = []

    def lose(response: httpx.Response) -> httpx.Response | None:
        first.append(response)
        return httpx.Response(502, json={"title": "bad gateway"})  # stored, answer lost

    pair.lose_answer = lose
    pair.cn.deliver_due(ignore_schedule=True)
    assert deliveries(pair, number)[0].state == "queued"
    pair.lose_answer = None
    pair.cn.deliver_due(ignore_schedule=True)
    [delivery] = deliveries(pair, number)
    assert delivery.state == "acknowledged" and delivery.attempts == 2
    assert delivery.receipt == first[0].json()  # the receipt of the first delivery
    assert len(inbox(pair, number=number)) == 1
    assert pair.posts.count("/v1/exchange/inbox") == 2


def test_a_receipt_that_does_not_verify_leaves_the_delivery_pending(pair: Pair) -> None:
    number = pair.issue()

    def forge(response: httpx.Response) -> httpx.Response:
        receipt = response.json()
        receipt["verdict"] = "indeterminate"  # altered after signing
        return httpx.Response(201, json=receipt)

    pair.lose_answer = forge
    pair.cn.deliver_due(ignore_schedule=True)
    [delivery] = deliveries(pair, number)
    assert delivery.state == "delivered", delivery
    assert "does not verify" in (delivery.last_error or "")
    pair.lose_answer = None
    pair.cn.deliver_due(ignore_schedule=True)
    assert deliveries(pair, number)[0].state == "acknowledged"


def test_two_passes_at_once_send_a_row_once(pair: Pair) -> None:
    number = pair.issue()
    at = sql.now()
    with pair.cn.database.session() as session:
        [row_id] = [r.id for r in session.execute(select(schema.OutboxRow)).scalars()]
        from rcep_origin.store import exchange as store

        assert store.lease(session, row_id, at, at + timedelta(seconds=60))
        assert not store.lease(session, row_id, at, at + timedelta(seconds=60))
    assert pair.cn.deliver_due(ignore_schedule=True).attempted == 0  # leased elsewhere
    assert deliveries(pair, number)[0].state == "queued"


def test_the_jwt_and_xml_forms_are_delivered_and_verified_too(pair: Pair) -> None:
    for form in ("jwt", "xml"):
        pair.cn.peer_add(
            operator("CN"),
            PeerInput(
                party="TH",
                url=TH_BASE,
                key=pair.keys["peer"],
                did_document=pair.th.published("did.json"),
                form=form,  # type: ignore[arg-type]
            ),
        )
        number = pair.issue()
        pair.cn.deliver_due()
        [delivery] = deliveries(pair, number)
        assert delivery.state == "acknowledged", (form, delivery)
        [record] = inbox(pair, number=number)
        full = pair.th.inbox_record(pair.customs(), record.record_id)
        assert full.form == form
        # The XML form carries no status entry: the status stays unknown, so indeterminate.
        expected = "valid" if form == "jwt" else "indeterminate"
        assert record.verdict == expected, (form, full.checks)


# --- refused deliveries ------------------------------------------------------------------------


def _credential(pair: Pair, number: str) -> dict[str, Any]:
    return pair.cn.certificate(operator("CN"), number).credential


def test_a_tampered_delivery_is_refused_with_a_signed_negative_receipt_and_kept_apart(
    pair: Pair,
) -> None:
    number = pair.issue()
    forged = copy.deepcopy(_credential(pair, number))
    forged["credentialSubject"]["importer"]["name"] = "Someone Else Ltd."
    outcome = pair.th.receive(pair.peer(), json.dumps(forged).encode())
    receipt = outcome.view
    assert outcome.status == 422 and not receipt.accepted and receipt.verdict == "invalid"
    assert receipt.content_sha256 is None  # a forger's content is not stated as the issuer's
    assert receipt.reason_zh.startswith("已拒收")
    check = verify_receipt(
        receipt.model_dump(), trust_from_published(pair.th.published("did.json")), TH_DID
    )
    assert check.valid, check.reason
    again = pair.th.receive(pair.peer(), json.dumps(forged).encode())
    assert (again.status, again.replayed, again.view) == (422, True, receipt)
    [record] = inbox(pair, verdict="invalid")
    assert record.issuer is None and record.hs_chapters == []


def test_rubbish_gets_a_negative_receipt_not_an_error(pair: Pair) -> None:
    outcome = pair.th.receive(pair.peer(), b"\x00\x01 not a certificate")
    assert outcome.status == 422 and outcome.view.verdict == "invalid"
    assert outcome.view.number is None


def test_an_issuer_not_on_the_trust_list_is_refused(pair: Pair) -> None:
    number = pair.issue()
    pair.th.trust_remove(operator("TH"), CN_DID)
    outcome = pair.th.receive(pair.peer(), json.dumps(_credential(pair, number)).encode())
    assert outcome.status == 422
    assert "issuer: did:web:co.example.cn is not a known issuing body" in outcome.view.reason


def test_a_certificate_delivered_by_an_issuing_body_of_another_party_is_refused(
    pair: Pair,
) -> None:
    number = pair.issue()
    # JP's issuing body relays China's certificate: it is checked against JP's trust list,
    # which does not hold China's issuing body.
    jp = pair.th.authenticate(pair.keys["jp-jcci"])
    outcome = pair.th.receive(jp, json.dumps(_credential(pair, number)).encode())
    assert outcome.status == 422 and outcome.view.verdict == "invalid"
    assert "is not a known issuing body" in outcome.view.reason


def test_only_issuing_bodies_of_other_parties_deliver(pair: Pair) -> None:
    for who in ("th-officer", "th-customs", "siam"):
        with pytest.raises(Forbidden):
            pair.th.receive(pair.th.authenticate(pair.keys[who]), b"{}")


def test_with_the_issuer_unreachable_the_status_is_unknown_and_the_receipt_comes_anyway(
    pair: Pair,
) -> None:
    pair.status_reachable = False
    number = pair.issue()
    outcome = pair.th.receive(pair.peer(), json.dumps(_credential(pair, number)).encode())
    assert outcome.status == 201 and outcome.view.verdict == "indeterminate"
    assert "status" in outcome.view.reason
    [record] = inbox(pair)
    assert record.status == "unknown"


# --- status notices ----------------------------------------------------------------------------


def test_a_revocation_is_delivered_after_its_certificate_and_the_inbox_record_follows(
    pair: Pair,
) -> None:
    number = pair.issue()
    pair.cn.deliver_due()
    pair.cn.set_status(operator("CN"), number, purpose="revocation", reason="withdrawn")
    assert [(d.event, d.state) for d in deliveries(pair, number)] == [
        ("certificate", "acknowledged"),
        ("revocation", "queued"),
    ]
    pair.cn.deliver_due()
    assert [d.state for d in deliveries(pair, number)] == ["acknowledged", "acknowledged"]
    [record] = inbox(pair, number=number)
    assert (record.verdict, record.status) == ("invalid", "revoked")
    full = pair.th.inbox_record(pair.customs(), record.record_id)
    assert [e["event"] for e in full.events] == ["revocation"]
    assert full.receipt["verdict"] == "valid"  # the receipt of the delivery stays as it was
    assert inbox(pair, status="revoked")[0].number == number


def test_a_notice_waits_for_the_certificate_it_is_about(pair: Pair) -> None:
    number = pair.issue()
    pair.cn.set_status(operator("CN"), number, purpose="revocation", reason="withdrawn")
    # Both are queued; a pass limited to one row takes the certificate, never the notice first.
    pair.cn.deliver_due(limit=1)
    # Revoked before it arrived: TH checks the current status list and refuses it.
    assert [(d.event, d.state) for d in deliveries(pair, number)] == [
        ("certificate", "rejected"),
        ("revocation", "queued"),
    ]
    assert "revoked" in (deliveries(pair, number)[0].reason or "")
    pair.cn.deliver_due()
    assert deliveries(pair, number)[1].state == "acknowledged"
    [record] = inbox(pair, number=number)
    assert (record.verdict, record.status, record.accepted) == ("invalid", "revoked", False)


def test_a_suspension_carries_its_signed_list_so_the_record_follows_with_the_issuer_offline(
    pair: Pair,
) -> None:
    number = pair.issue()
    pair.cn.deliver_due()
    pair.status_reachable = False
    pair.cn.set_status(operator("CN"), number, purpose="suspension", reason="inquiry")
    pair.cn.deliver_due()
    [record] = inbox(pair, number=number)
    assert record.status == "suspended"
    pair.cn.set_status(
        operator("CN"), number, purpose="suspension", flagged=False, reason="cleared"
    )
    pair.cn.deliver_due()
    [record] = inbox(pair, number=number)
    assert (record.status, record.verdict) == ("in force", "valid")
    events = pair.th.inbox_record(pair.customs(), record.record_id).events
    assert [e["event"] for e in events] == ["suspension", "reinstatement"]


def test_a_notice_about_a_certificate_never_received_is_not_found(pair: Pair) -> None:
    notice = StatusNotice(number="CN-2026-999999", event="revocation", at="2026-11-30T00:00:00Z")
    with pytest.raises(NotFound):
        pair.th.receive_notice(pair.peer(), notice.model_dump_json().encode(), notice)


# --- reading the inbox -------------------------------------------------------------------------


def test_customs_filter_the_inbox_and_an_importer_reads_only_what_names_it(pair: Pair) -> None:
    mine = pair.issue()
    theirs = pair.issue(importer="Bangkok Traders Ltd.")
    pair.cn.deliver_due()
    assert {r.number for r in inbox(pair)} == {mine, theirs}
    assert {r.number for r in inbox(pair, chapter="85", party="CN", verdict="valid")} == {
        mine,
        theirs,
    }
    assert inbox(pair, chapter="84") == [] and inbox(pair, party="JP") == []
    siam = pair.th.authenticate(pair.keys["siam"])
    [record] = pair.th.inbox(siam)
    assert record.number == mine
    other = next(r for r in inbox(pair) if r.number == theirs)
    with pytest.raises(NotFound):
        pair.th.inbox_record(siam, other.record_id)
    assert pair.th.inbox_record(siam, record.record_id).number == mine
    with pytest.raises(Forbidden):  # an issuing body of another Party reads no inbox
        pair.th.inbox(pair.peer())


# --- the trust list and peers ------------------------------------------------------------------


def test_trust_list_changes_are_audited_and_only_the_administrator_makes_them(pair: Pair) -> None:
    [entry] = pair.th.trust_list(pair.customs())
    assert (entry.did, entry.party, entry.state) == (CN_DID, "CN", "active")
    assert entry.keys and entry.xml_certificates >= 1
    with pytest.raises(Forbidden):
        pair.th.trust_add(
            pair.customs(), TrustInput(party="CN", document=pair.cn.published("did.json"))
        )
    with pytest.raises(InputError):  # this register's own Party
        pair.th.trust_add(
            operator("TH"), TrustInput(party="TH", document=pair.cn.published("did.json"))
        )
    with pytest.raises(Conflict):  # already trusted for CN
        pair.th.trust_add(
            operator("TH"), TrustInput(party="JP", document=pair.cn.published("did.json"))
        )
    with pytest.raises(InputError):
        pair.th.trust_add(operator("TH"), TrustInput(party="CN", document={"id": "not a did"}))
    pair.th.trust_remove(operator("TH"), CN_DID)
    assert pair.th.trust_list(pair.customs()) == []
    with pair.th.database.session(writes=False) as session:
        actions = [
            a
            for (a,) in session.execute(select(schema.AuditEntry.action))
            if a.startswith("exchange.trust")
        ]
        assert actions == ["exchange.trust.add", "exchange.trust.remove"]
        assert sql.verify_audit_chain(session).intact


def test_a_peer_key_is_a_private_file_and_never_in_the_database(pair: Pair) -> None:
    path = pair.cn.keystore.home / "exchange" / "peers" / "TH.key"
    assert path.read_text().strip() == pair.keys["peer"]
    assert path.stat().st_mode & 0o777 == 0o600
    secret = pair.keys["peer"].split(".", 1)[1]
    with pair.cn.database.session(writes=False) as session:
        for row in session.execute(select(schema.ExchangePeer)).scalars():
            assert secret not in json.dumps(
                {c.name: str(getattr(row, c.name)) for c in schema.ExchangePeer.__table__.columns}
            )


def test_a_peer_rotating_its_key_is_followed_through_its_published_did_json(pair: Pair) -> None:
    pair.th.create_key(operator("TH"))  # receipts are now signed by a key CN never pinned
    number = pair.issue()
    pair.cn.deliver_due()
    assert deliveries(pair, number)[0].state == "acknowledged"
    [peer] = pair.cn.peers(operator("CN"))
    assert peer.receiver == TH_DID


def test_the_classification_flags_appendix_goods_and_states_the_rvc_threshold(
    pair: Pair,
) -> None:
    number = pair.issue()
    pair.cn.deliver_due()
    [record] = inbox(pair, number=number)
    classification = pair.th.inbox_record(pair.customs(), record.record_id).classification
    assert classification is not None
    [good] = classification["goods"]
    assert good["hs_code"] == "8538.90" and good["chapter"] == "85"
    # Thailand's Appendix list in the bundle is incomplete: a good it does not list is
    # "possibly listed", flagged for the Art. 2.6(3) check with its 20 % threshold.
    assert good["appendix"] == "possibly listed" and good["flagged"] is True
    assert good["additional_rule_threshold"] == "20"
    assert record.appendix_flagged is True
    if good["criterion"] == "RVC":
        assert good["rvc_threshold"] == "40" and good["rvc_row"].startswith("psr.csv:")


def test_another_peer_sending_the_same_bytes_first_does_not_decide_the_issuers_answer(
    pair: Pair,
) -> None:
    number = pair.issue()
    data = json.dumps(_credential(pair, number)).encode()
    jp = pair.th.authenticate(pair.keys["jp-jcci"])
    assert pair.th.receive(jp, data).status == 422  # JP's trust list does not hold CN's body
    first = pair.th.receive(pair.peer(), data)
    assert (first.status, first.replayed, first.view.sender) == (201, False, "cn-ccpit")
    assert pair.th.receive(pair.peer(), data).replayed


def test_the_exchange_tables_are_exactly_what_the_migrations_create(pair: Pair) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with pair.th.database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [
            d for d in compare_metadata(context, schema.Base.metadata) if "exchange_" in str(d)
        ]
    assert differences == []
