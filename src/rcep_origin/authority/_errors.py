"""What a use case refuses, as exceptions the adapters translate: the HTTP layer into
``application/problem+json`` with the same ``kind``, the CLI into a message and an exit code.

    AuthorityError
    ├── Unauthenticated   no or an unknown API key                                  (401)
    ├── Forbidden         the caller's role or Party may not do this                (403)
    ├── NotFound          no such thing, or not visible to this caller              (404)
    ├── Conflict          the state does not allow it: already decided, a revocation
    │                     is final, a concurrent call won, an idempotency key reused (409)
    ├── Refused           well-formed but not allowed by the rules: not originating,
    │                     an identity that is not the caller's                      (422)
    └── Unavailable       the database cannot be reached or did not answer in time  (503)

Bad input is ``rcep_origin.errors.InputError`` (400), as everywhere else.
"""

from __future__ import annotations

from typing import Any

from rcep_origin.errors import RcepOriginError


class AuthorityError(RcepOriginError):
    status = 500
    kind = "internal"

    def __init__(self, title: str, detail: str = "", *, kind: str | None = None, **extra: Any):
        self.title, self.detail, self.extra = title, detail, extra
        if kind is not None:
            self.kind = kind
        super().__init__(f"{title}: {detail}" if detail else title)


class Unauthenticated(AuthorityError):
    status, kind = 401, "unauthenticated"


class Forbidden(AuthorityError):
    status, kind = 403, "forbidden"


class NotFound(AuthorityError):
    status, kind = 404, "not-found"


class Conflict(AuthorityError):
    status, kind = 409, "conflict"


class Refused(AuthorityError):
    status, kind = 422, "refused"


class Unavailable(AuthorityError):
    status, kind = 503, "database-unavailable"
