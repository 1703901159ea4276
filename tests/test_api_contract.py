"""The API keeps its published contract under an outside fuzzer: schemathesis generates requests
for every operation of /openapi.json (valid and invalid: wrong types, out-of-range integers,
missing fields, odd strings) and checks each answer -- no 5xx, every status code, content type
and response body as documented. It runs as each role against a real server on the loopback
interface, on SQLite and (when RCEP_ORIGIN_TEST_DATABASE_URL is set, as in CI) PostgreSQL.

The examples per operation are bounded (``RCEP_ORIGIN_FUZZ_EXAMPLES``, default 25) so CI stays
short; raise it for a long run."""

from __future__ import annotations

import contextlib
import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS

from test_api import actors, database, issued_certificate, submit
from test_authority import LiveService, live

__all__ = ["actors", "database", "live"]

EXAMPLES = int(os.environ.get("RCEP_ORIGIN_FUZZ_EXAMPLES", "25"))
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)


def _checks() -> list[Any]:
    found = {check.__name__: check for check in CHECKS.get_all()}
    return [found[name] for name in CHECK_NAMES]


@pytest.mark.parametrize("role", ["acme", "ccpit", "customs", "anonymous"])
def test_every_operation_keeps_its_contract_under_generated_requests(
    live: LiveService, role: str
) -> None:
    # Some state to find: a certificate, a declaration, a request.
    number = _seed(live)
    schema = schemathesis.openapi.from_url(f"{live.base}/openapi.json")
    checks = _checks()
    headers = {"Authorization": f"Bearer {live.keys[role]}"} if role in live.keys else {}
    failures: list[str] = []
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            nonlocal tried
            tried += 1
            if case.path_parameters and "number" in case.path_parameters and tried % 3 == 0:
                case.path_parameters["number"] = number  # now and then, one that exists
            response = case.call(base_url=live.base, headers=headers, timeout=30)
            try:
                case.validate_response(response, checks=checks)
            except Exception as exc:  # collect every failure, report them together
                failures.append(f"{case.method} {case.formatted_path}: {str(exc)[:300]}")
                raise

        with contextlib.suppress(Exception):
            run()
    assert tried > 100, tried
    assert not failures, "\n".join(failures[:20])


def _seed(live: LiveService) -> str:
    class Shim:  # test_api's helpers speak to a TestClient-like caller
        def __init__(self, service: LiveService):
            self.service = service

        def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
            return self.service.call(who, method, path, **kwargs)

    shim: Any = Shim(live)
    submit(shim)
    return issued_certificate(shim)
