"""Canonicalization is right: the W3C test vector, and PyLD (an independent implementation)
agrees with our Oxigraph-based canonicalizer byte for byte."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcep_origin.certificates import data_integrity, jsonld
from rcep_origin.certificates.credential import StatusEntry, certificate_credential
from rcep_origin.certificates.jsonld import CanonicalizationError, canonicalize
from rcep_origin.certificates.keys import Ed25519Signer, VerificationKey
from rcep_origin.certificates.model import (
    BackToBack,
    Certificate,
    Consignment,
    DeterminationLink,
    GoodsItem,
    Invoice,
    IssuingBody,
    MoneyAmount,
    Organisation,
    Quantity,
    Signatory,
    ThirdPartyInvoicing,
    one_year_after,
)

EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"


def pyld_canonicalize(document: dict[str, Any]) -> str:
    """The oracle: PyLD with RDFC-1.0 escaping and a strict offline loader."""
    import pyld.nquads
    from pyld import jsonld as pyld_jsonld

    echar = {
        0x08: "\\b",
        0x09: "\\t",
        0x0A: "\\n",
        0x0C: "\\f",
        0x0D: "\\r",
        0x22: '\\"',
        0x5C: "\\\\",
    }
    escapes = {c: echar.get(c, f"\\u{c:04X}") for c in [*range(0x20), 0x7F, 0x22, 0x5C]}
    pyld.nquads.escape = lambda value: value.translate(escapes)

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": jsonld.context_document(url)}

    result: str = pyld_jsonld.normalize(
        document,
        {
            "documentLoader": loader,
            "base": None,
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
        },
    )
    return result


def test_the_w3c_vc_di_eddsa_test_vector_is_reproduced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        jsonld.REGISTERED,
        EXAMPLES_V2,
        {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}},
    )
    seed = base58.b58decode("3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq")
    private = Ed25519PrivateKey.from_private_bytes(seed[2:])
    issuer = "https://vc.example/issuers/5678"
    key = VerificationKey(
        issuer,
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        private.public_key().public_bytes_raw(),
        datetime(2023, 1, 1, tzinfo=UTC),
    )
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES_V2],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "name": "Alumni Credential",
        "description": "A minimum viable example of an Alumni Credential.",
        "issuer": issuer,
        "validFrom": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    }
    signed = data_integrity.sign(
        document, Ed25519Signer(private, key), datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)
    )
    assert signed["proof"]["proofValue"] == (
        "z21EVs3eXERqTn4acNHT9viboqgzUaQ3kTmhPT3eA8qrVPE7CrQq78WkzctnMX5W4CrzcKnHw8V6dvy5pgWYCU5e9"
    )
    assert data_integrity.verify(signed, key).valid


texts = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters=[chr(c) for c in range(0x20) if c not in (9, 10, 13)] + ["\x7f"],
    ),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and s.strip())


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(exporter=texts, description=texts, remarks=texts)
def test_our_canonical_form_equals_pyld_for_any_certificate_text(
    issuer: Any, application: Any, exporter: str, description: str, remarks: str
) -> None:
    from rcep_origin.certificates.credential import certificate_credential

    certificate = issuer.issue([application])[0].certificate
    changed = certificate.model_copy(
        update={
            "exporter": certificate.exporter.model_copy(update={"name": exporter}),
            "goods": [certificate.goods[0].model_copy(update={"description": description})],
            "remarks": remarks,
        }
    )
    credential = certificate_credential(changed)
    assert canonicalize(credential) == pyld_canonicalize(credential)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"@context": ["https://example.org/evil"], "type": "x"}, "not shipped"),
        ({"@context": ["https://www.w3.org/ns/credentials/v2"], "colour": "red"}, "colour"),
        (
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential", "Unknown"],
            },
            "Unknown",
        ),
        ({"@context": ["https://www.w3.org/ns/credentials/v2"], "@reverse": {}}, "@reverse"),
        ({"@context": {"@vocab": "https://evil.example/"}}, "context URLs"),
    ],
)
def test_unknown_contexts_terms_and_keywords_are_refused(
    document: dict[str, Any], message: str
) -> None:
    with pytest.raises(CanonicalizationError, match=message):
        canonicalize(document)


# --- the fast path: compiled contexts and RDFC-1.0 in Python, held to Oxigraph and PyLD ------

PARTIES = ["AU", "BN", "CN", "ID", "JP", "KH", "KR", "LA", "MM", "MY", "NZ", "PH", "SG", "TH", "VN"]
# Characters that exercise the N-Quads escapes and the scripts of the Parties.
SPECIAL = [
    '"',
    "\\",
    "\t",
    "\n",
    "\r",
    "\u2028",
    "\x85",
    "\u202e",
    "\ufeff",
    "😀",
    "株式会社",
    "ไทย",
    "ខ្មែរ",
    "ລາວ",
    "မြန်မာ",
    "é",
    "e\u0301",
]
_chars = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters=[chr(c) for c in range(0x20) if c not in (9, 10, 13)] + ["\x7f"],
)


def free_text(max_size: int) -> st.SearchStrategy[str]:
    """Text a certificate may hold: any Unicode but controls, with the escapes well mixed in."""
    return (
        st.lists(st.one_of(_chars, st.sampled_from(SPECIAL)), min_size=1, max_size=max_size)
        .map("".join)
        .filter(lambda s: bool(s.strip()))
    )


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


codes = st.sampled_from(["8538.90", "8537.10", "9403.20", "0101.21", "8471.30", "6109.10"])
sha = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
amounts = st.decimals(
    min_value=Decimal("0.001"),
    max_value=Decimal("1e12"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)
days = st.dates(date(2022, 1, 1), date(2031, 12, 31))


@st.composite
def goods_fields(draw: st.DrawFn) -> dict[str, Any]:
    criterion = draw(st.sampled_from(["WO", "PE", "CTC", "RVC", "CR"]))
    return {
        "description": draw(free_text(60)),
        "hs_code": draw(codes),
        "marks_and_packages": draw(_optional(free_text(20))),
        "origin_criterion": criterion,
        "flags": draw(st.lists(st.sampled_from(["ACU", "DMI"]), unique=True)),
        "rcep_country_of_origin": draw(st.sampled_from(PARTIES)),
        "quantity": Quantity(value=draw(amounts), unit=draw(st.sampled_from(["PCE", "KGM", "包"]))),
        "fob_value": MoneyAmount(amount=draw(amounts), currency="USD")
        if criterion == "RVC"
        else None,
        "invoice": Invoice(number=draw(st.sampled_from(["INV-1", "INV-2"])), date=draw(days)),
        "determination": DeterminationLink(
            determination_sha256=draw(sha),
            inputs_sha256=draw(st.sampled_from(["a" * 64, "b" * 64])),
            ruleset_version="rcep-annex-3a@2026.11.23",
            engine_version="0.1.0",
        ),
    }


def organisations(country: str) -> st.SearchStrategy[Organisation]:
    return st.builds(
        Organisation,
        name=free_text(40),
        address=free_text(60),
        country=st.just(country),
        identifier=_optional(free_text(10)),
    )


@st.composite
def certificates(draw: st.DrawFn) -> Certificate:
    """Any valid certificate: Unicode everywhere, one to eight goods -- often the same good
    again, so that blank nodes collide and RDFC-1.0's n-degree hashing runs -- and every
    optional item present or not."""
    exporting, importing = draw(
        st.lists(st.sampled_from(PARTIES), min_size=2, max_size=2, unique=True)
    )
    issued = draw(days)
    departure = draw(days)
    templates = draw(st.lists(goods_fields(), min_size=1, max_size=3))
    picks = draw(st.lists(st.integers(0, len(templates) - 1), min_size=1, max_size=8))
    return Certificate(
        number=draw(st.from_regex(r"[A-Z0-9][A-Z0-9-]{5,20}", fullmatch=True)),
        exporting_party=exporting,
        importing_party=importing,
        exporter=draw(organisations(exporting)),
        producer=draw(_optional(organisations(exporting))),
        importer=draw(organisations(importing)),
        goods=[GoodsItem(item_number=n + 1, **templates[k]) for n, k in enumerate(picks)],
        consignment=Consignment(
            departure_date=departure,
            transport=draw(free_text(20)),
            port_of_discharge=draw(free_text(20)),
        ),
        issuing_body=IssuingBody(
            name=draw(free_text(30)),
            country=exporting,
            id=f"did:web:co.example.{exporting.lower()}",
        ),
        signatory=Signatory(name=draw(free_text(20)), position=draw(free_text(20))),
        place_of_issue=draw(free_text(20)),
        issue_date=issued,
        valid_until=one_year_after(issued),
        back_to_back=draw(
            _optional(
                st.builds(
                    BackToBack,
                    original_reference=free_text(20),
                    original_issue_date=days,
                    original_rcep_country_of_origin=st.sampled_from(PARTIES),
                    approved_exporter_code=_optional(free_text(10)),
                )
            )
        ),
        third_party_invoicing=draw(
            _optional(
                st.builds(
                    ThirdPartyInvoicing,
                    operator_name=free_text(20),
                    operator_country=st.sampled_from(["US", "HK", "SG"]),
                )
            )
        ),
        retroactive=issued > departure or draw(st.booleans()),
        remarks=draw(_optional(free_text(80))),
    )


status_entries = st.lists(
    st.builds(
        StatusEntry,
        list_url=st.sampled_from(
            [
                "https://co.example.cn/status/revocation-1",
                "https://co.example.cn/status/suspension-2",
            ]
        ),
        index=st.integers(0, 131_071),
        purpose=st.sampled_from(["revocation", "suspension"]),
    ),
    max_size=2,
)


def three_ways(document: dict[str, Any]) -> str:
    """The fast path's N-Quads, after checking Oxigraph and PyLD give the same bytes."""
    fast = jsonld.canonicalize_fast(document)
    assert fast is not None, "the fast path must cover this document"
    assert fast == jsonld.canonicalize_general(document)
    assert fast == pyld_canonicalize(document)
    return fast


@settings(max_examples=150, deadline=None)
@given(certificate=certificates(), status=status_entries)
def test_any_certificate_canonicalizes_the_same_by_all_three_implementations(
    certificate: Certificate, status: list[StatusEntry]
) -> None:
    three_ways(certificate_credential(certificate, status))


@settings(max_examples=60, deadline=None)
@given(
    created=st.datetimes(datetime(2022, 1, 1), datetime(2040, 1, 1)),
    kid=st.from_regex(r"key-[0-9a-z-]{1,20}", fullmatch=True),
    host=st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}\.){1,3}[a-z]{2,6}", fullmatch=True),
)
def test_proof_options_canonicalize_the_same_by_all_three(
    created: datetime, kid: str, host: str
) -> None:
    options = {
        "@context": [jsonld.CREDENTIALS_V2, jsonld.RCEP_ORIGIN_V1],
        "type": data_integrity.PROOF_TYPE,
        "cryptosuite": data_integrity.CRYPTOSUITE,
        "created": data_integrity.xsd_datetime(created.replace(tzinfo=UTC)),
        "verificationMethod": f"did:web:{host}#{kid}",
        "proofPurpose": data_integrity.PROOF_PURPOSE,
    }
    three_ways(options)
    three_ways({**options, "@context": [jsonld.CREDENTIALS_V2]})


def test_a_status_list_credential_takes_the_fast_path_too() -> None:
    from rcep_origin.certificates.credential import status_list_credential
    from rcep_origin.certificates.status_list import Bitstring

    listing = status_list_credential(
        "https://co.example.cn/status/revocation-1",
        "did:web:co.example.cn",
        "revocation",
        Bitstring().encode(),
        datetime(2026, 11, 20, tzinfo=UTC),
    )
    three_ways(listing)


# Variations: any key (terms, aliases, keywords, unknown words) set to any JSON value (IRIs of
# every shape, numbers, nulls, nested objects and arrays, type names with scoped contexts) at
# any object of a real credential. Whatever the fast path accepts, it must answer as Oxigraph
# and PyLD do; what it does not, it leaves to Oxigraph (None).
_keys = st.sampled_from(
    [
        "name",
        "description",
        "id",
        "type",
        "issuer",
        "validFrom",
        "credentialStatus",
        "credentialSubject",
        "statusPurpose",
        "statusListIndex",
        "statusListCredential",
        "statusSize",
        "encodedList",
        "proofPurpose",
        "verificationMethod",
        "cryptosuite",
        "created",
        "goods",
        "flags",
        "amount",
        "item_number",
        "retroactive",
        "date",
        "address",
        "jsonSchema",
        "proof",
        "@id",
        "@type",
        "@value",
        "@context",
        "colour",
        "rco:address",
    ]
)
_iris = st.one_of(
    st.sampled_from(
        [
            "did:web:x.example",
            "urn:x:1",
            "https://a.example/p?q=1#f",
            "https://a.example:8080/x",
            "https://a.example:x/y",
            "https://a.example/b/../c",
            "https://a.example/./c",
            "https://a.example/%20",
            "https://[::1]/",
            "https://u@a.example/",
            "HTTPS://A.EXAMPLE/",
            "http://a.example#f#g",
            "mailto:a@b.example",
            "tag:x,2020:y",
            "rco:thing",
            "xsd:date",
            "id:x",
            "_:b0",
            "x",
            "a:b c",
            "a://",
            "a:",
            "assertionMethod",
            "VerifiableCredential",
            "BitstringStatusListEntry",
            "DataIntegrityProof",
            "JsonSchema",
            "RcepCertificateOfOriginData",
        ]
    ),
    st.text(alphabet="abz09:/#?.%@[]-_~!$&'()*+,;= \"<>{}|\\^`é", min_size=1, max_size=16),
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    free_text(10),
    _iris,
)
_values = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(_keys, children, max_size=3)
    ),
    max_leaves=6,
)
# The same, kept to what the compiled shape accepts more often, so that many variations are
# answered by the fast path and compared (the wild ones above mostly probe where it stops).
_plain_keys = st.sampled_from(
    ["name", "description", "id", "type", "address", "amount", "date", "flags", "goods", "issuer"]
)
_plain_values = st.recursive(
    st.one_of(st.booleans(), st.integers(-(10**16), 10**16), free_text(10), _iris),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3),
        st.dictionaries(_plain_keys, children, min_size=1, max_size=3),
    ),
    max_leaves=5,
)


def _objects(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(_objects(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_objects(item))
    return found


@settings(max_examples=300, deadline=None)
@given(
    certificate=certificates(),
    changes=st.one_of(
        st.lists(st.tuples(st.integers(0, 10_000), _keys, _values), min_size=1, max_size=3),
        st.lists(
            st.tuples(st.integers(0, 10_000), _plain_keys, _plain_values), min_size=1, max_size=3
        ),
    ),
)
def test_a_varied_credential_gets_the_same_answer_or_the_general_path(
    certificate: Certificate, changes: list[tuple[int, str, Any]]
) -> None:
    document = certificate_credential(certificate)
    for where, key, value in changes:
        objects = _objects(document)
        objects[where % len(objects)][key] = value
    fast = jsonld.canonicalize_fast(document)
    if fast is None:
        return
    assert fast == jsonld.canonicalize_general(document)
    assert fast == pyld_canonicalize(document)


def test_documents_outside_the_compiled_shape_take_the_general_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(
        jsonld.REGISTERED,
        EXAMPLES_V2,
        {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}},
    )
    document = {
        "@context": [jsonld.CREDENTIALS_V2, EXAMPLES_V2],
        "type": ["VerifiableCredential", "ExampleCredential"],
        "credentialSubject": {"anything": "goes"},
    }
    assert jsonld.canonicalize_fast(document) is None
    assert canonicalize(document) == jsonld.canonicalize_general(document)
    # A shipped context registered again at run time is not the compiled one.
    monkeypatch.setitem(jsonld.REGISTERED, jsonld.CREDENTIALS_V2, {"@context": {"x": "urn:x"}})
    assert jsonld.canonicalize_fast({"@context": [jsonld.CREDENTIALS_V2], "x": "1"}) is None


# RDFC-1.0 on its own, on graphs JSON-LD trees never make: cycles, symmetric and automorphic
# shapes, many blank nodes related alike. Oxigraph is the oracle.
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 5),
            st.sampled_from(["<urn:p>", "<urn:q>"]),
            st.one_of(st.integers(0, 5), st.sampled_from(['"x"', "<urn:o>"])),
        ),
        min_size=1,
        max_size=14,
    )
)
def test_rdfc_labels_blank_nodes_as_oxigraph_does(
    triples: list[tuple[int, str, int | str]],
) -> None:
    import pyoxigraph

    from rcep_origin.certificates._rdfc import TooComplex, canonical_nquads

    try:
        ours = canonical_nquads(list(triples))
    except TooComplex:
        return
    text = "".join(
        f"{f'_:n{s}'} {p} {f'_:n{o}' if isinstance(o, int) else o} .\n" for s, p, o in triples
    )
    dataset = pyoxigraph.Dataset(pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.N_QUADS))
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    theirs = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS) or b""
    assert ours == "".join(sorted(line + "\n" for line in theirs.decode().split("\n") if line))


def test_the_fast_path_gives_up_on_poison_graphs() -> None:
    from rcep_origin.certificates._rdfc import TooComplex, canonical_nquads

    # Two alike hubs, each related alike to the same six blank nodes: 720 permutations.
    poison: list[tuple[int | str, str, int | str]] = [
        (hub, "<urn:p>", leaf) for hub in (0, 7) for leaf in range(1, 7)
    ]
    with pytest.raises(TooComplex):
        canonical_nquads(poison)


def test_every_control_character_is_escaped_as_the_other_two_escape_it() -> None:
    controls = "".join(chr(c) for c in range(0x20)) + '\x7f"\\ end'
    three_ways(
        {
            "@context": [jsonld.CREDENTIALS_V2],
            "type": "VerifiableCredential",
            "name": controls,
            "description": [controls[::-1], "plain"],
        }
    )


def test_the_proof_options_hash_is_kept_but_never_for_values_that_only_compare_equal() -> None:
    context = [jsonld.CREDENTIALS_V2]
    options = {"type": "DataIntegrityProof", "created": "2026-11-20T09:00:00Z"}
    first = data_integrity.options_hash(context, options)
    assert data_integrity.options_hash(list(context), dict(options)) == first
    assert first == jsonld.canonical_hash({"@context": context, **options})
    # True == 1 in Python, but they are different literals: neither may be served as the other.
    flagged = data_integrity.options_hash(context, {**options, "nonce": True})
    counted = data_integrity.options_hash(context, {**options, "nonce": 1})
    assert flagged != counted


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80), st.integers(0, 3))
def test_base58_decodes_as_the_base58_package_does(raw: bytes, zeros: int) -> None:
    import base58 as reference

    encoded = reference.b58encode(b"\0" * zeros + raw).decode()
    assert data_integrity.b58decode(encoded) == reference.b58decode(encoded) == b"\0" * zeros + raw
