"""Console sessions and CSRF tokens.

A session is a cookie signed with HMAC-SHA256 under a secret kept in the issuing body's home
(``Authority.console_secret``): ``v1.<key id>.<issued at>.<nonce>.<mac>``. It names the API key
the clerk signed in with -- never the key's secret -- and every request re-reads who that key
belongs to (``Authority.principal_of_key``), so revoking the key ends its sessions at once.
A session lasts ``LIFETIME`` from sign-in. Signing out forgets the session's nonce in this
process (the cookie is also cleared); with several worker processes, a copied cookie stays
usable elsewhere until it expires or the key is revoked.

CSRF: every form carries a token bound to the session (an HMAC of its nonce), checked on every
POST with ``hmac.compare_digest``; the sign-in form, before any session exists, is bound the same
way to a short-lived pre-session cookie. The cookies are ``HttpOnly`` and ``SameSite=Strict``
(``Secure`` over HTTPS), and a POST whose ``Origin`` names another site is refused as well.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

SESSION_COOKIE = "rcep_console"
PRE_SESSION_COOKIE = "rcep_console_pre"
LIFETIME = 8 * 3600  # a working day
PRE_SESSION_LIFETIME = 3600


@dataclass(frozen=True)
class Session:
    key_id: str
    issued: int
    nonce: str


class Sessions:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._ended: dict[str, float] = {}  # nonce -> when it would have expired anyway
        self._lock = threading.Lock()

    def _mac(self, purpose: str, message: str) -> str:
        return hmac.new(self._secret, f"{purpose}\0{message}".encode(), hashlib.sha256).hexdigest()

    def issue(self, key_id: str, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        body = f"v1.{key_id}.{issued}.{secrets.token_urlsafe(18)}"
        return f"{body}.{self._mac('session', body)}"

    def read(self, cookie: str | None, now: float | None = None) -> Session | None:
        """The session a cookie stands for, or None when it is forged, expired or ended."""
        if not cookie or len(cookie) > 400:
            return None
        body, _, mac = cookie.rpartition(".")
        if not hmac.compare_digest(mac, self._mac("session", body)):
            return None
        parts = body.split(".")
        if len(parts) != 4 or parts[0] != "v1" or not parts[2].isdigit():
            return None
        session = Session(key_id=parts[1], issued=int(parts[2]), nonce=parts[3])
        moment = time.time() if now is None else now
        if not session.issued <= moment + 60 < session.issued + LIFETIME + 60:
            return None
        if session.nonce in self._ended:
            return None
        return session

    def end(self, session: Session) -> None:
        with self._lock:
            moment = time.time()
            for nonce, until in list(self._ended.items()):
                if until < moment:
                    del self._ended[nonce]
            self._ended[session.nonce] = session.issued + LIFETIME

    # -- CSRF ---------------------------------------------------------------------------------

    def csrf_token(self, session: Session) -> str:
        return self._mac("csrf", session.nonce)

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), self.csrf_token(session))

    def pre_session(self) -> str:
        return secrets.token_urlsafe(18)

    def sign_in_token(self, pre_session: str) -> str:
        return self._mac("sign-in", pre_session)

    def sign_in_ok(self, pre_session: str | None, token: str | None) -> bool:
        return (
            bool(pre_session)
            and bool(token)
            and hmac.compare_digest(str(token), self.sign_in_token(str(pre_session)))
        )
