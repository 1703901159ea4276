"""Canonicalization is right: the W3C test vector, and PyLD (an independent implementation)
agrees with our Oxigraph-based canonicalizer byte for byte."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcep_origin.certificates import data_integrity, jsonld
from rcep_origin.certificates.jsonld import CanonicalizationError, canonicalize
from rcep_origin.certificates.keys import Ed25519Signer, VerificationKey

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
