"""The JWT form is verified here, not by a JOSE library (issue 21: joserfc's overhead cost more
than the signature). joserfc stays the oracle: for a valid token and for every single-character
change of it both accept or refuse alike; a token with any header is accepted here only if
joserfc accepts it too (header parameters no token of ours carries are refused here)."""

from __future__ import annotations

import base64
import json
import warnings
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from joserfc.registry import HeaderParameter

from rcep_origin.certificates.jose import ALGORITHMS, decode_jwt, encode_jwt
from rcep_origin.certificates.keys import Ed25519Signer

REGISTRY = jws.JWSRegistry(
    header_registry={"iat": HeaderParameter("Issued at", "int")}, algorithms=list(ALGORITHMS)
)
SIGNER = Ed25519Signer.generate("did:web:co.example.cn", "key-1", datetime(2026, 1, 1, tzinfo=UTC))
CREDENTIAL = {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:x", "n": "零"}
TOKEN = encode_jwt(CREDENTIAL, SIGNER, datetime(2026, 11, 20, tzinfo=UTC))


def joserfc_decode(token: str) -> Any:
    public = OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": SIGNER.key.jwk()["x"]})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = jws.deserialize_compact(
                token, public, algorithms=list(ALGORITHMS), registry=REGISTRY
            )
        return json.loads(result.payload)
    except (JoseError, ValueError):
        return None


def test_a_token_we_signed_verifies_both_ways() -> None:
    assert decode_jwt(TOKEN, SIGNER.key) == CREDENTIAL == joserfc_decode(TOKEN)


ALPHABET = "AQgwBz09-_=.+/ \n"


@pytest.mark.parametrize("position", range(len(TOKEN)))
def test_every_single_character_change_gets_the_same_answer(position: int) -> None:
    for char in ALPHABET:
        if char == TOKEN[position]:
            continue
        changed = TOKEN[:position] + char + TOKEN[position + 1 :]
        assert decode_jwt(changed, SIGNER.key) == joserfc_decode(changed), (position, char)
    shortened = TOKEN[:position] + TOKEN[position + 1 :]
    assert decode_jwt(shortened, SIGNER.key) == joserfc_decode(shortened)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


headers = st.fixed_dictionaries(
    {"alg": st.sampled_from(["EdDSA", "Ed25519", "ES256", "none", "HS256"])},
    optional={
        "typ": st.just("vc+jwt"),
        "kid": st.text(max_size=5),
        "iat": st.integers(0, 2**40),
        "crit": st.lists(st.sampled_from(["b64", "iat", "x"]), max_size=2),
        "b64": st.booleans(),
        "x": st.integers(),
    },
)


@settings(max_examples=300, deadline=None)
@given(header=headers, payload=st.one_of(st.just(CREDENTIAL), st.integers(), st.text(max_size=5)))
def test_a_token_with_any_header_is_accepted_only_if_joserfc_accepts_it(
    header: dict[str, Any], payload: Any
) -> None:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    token = f"{signing_input}.{_b64(SIGNER.sign(signing_input.encode()))}"
    ours, theirs = decode_jwt(token, SIGNER.key), joserfc_decode(token)
    if ours is not None:
        assert ours == theirs, "accepted here, refused by joserfc"
    elif theirs is not None:
        # Refused here on principle where joserfc may accept: a header parameter no token of
        # ours carries (critical extensions, unencoded payloads, ...).
        assert header.keys() - {"alg", "typ", "kid", "iat"}, header
