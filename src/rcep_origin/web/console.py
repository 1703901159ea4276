"""The console (issue 17): server-rendered pages under ``/console`` for exporters and issuing
bodies, in English and Chinese, with no script at all.

An adapter like the API routes: every read and write is one ``Authority`` use case, under the
same authorisation rules, audited the same way; this module only reads forms, renders
templates and redirects. Sessions and CSRF are described in ``_session.py``; the language in
``_i18n.py``. The routes are left out of the OpenAPI document (they answer HTML, not the API's
contract).

    exporter       /console/declarations            upload, list
                   /console/declarations/{id}       verdict, steps, rule, chart, pre-review, apply
                   /console/requests[/{id}]         follow applications
                   /console/certificates[/{n}]      downloads (PDF, JSON, XML, JWT)
    issuing body   /console/requests                the queue, with each good's pre-review
                   /console/requests/{id}           issue, or refuse with a reason
                   /console/certificates/{n}        revoke / suspend / reinstate, audit trail
    both           /console/legislation             the rule-set overlay (proposals, rows)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from rcep_origin.authority import (
    EXPORTER,
    ISSUER,
    Application,
    Authority,
    AuthorityError,
    LegislationRowInput,
    NotFound,
    Principal,
    Unauthenticated,
)
from rcep_origin.declaration import parse_declaration_text
from rcep_origin.errors import InputError
from rcep_origin.parties import parties
from rcep_origin.web import _explain
from rcep_origin.web._i18n import COOKIE as LANG_COOKIE
from rcep_origin.web._i18n import Lang, environment, resolve, text
from rcep_origin.web._session import (
    PRE_SESSION_COOKIE,
    PRE_SESSION_LIFETIME,
    SESSION_COOKIE,
    Session,
    Sessions,
)

router = APIRouter(include_in_schema=False)
T = TypeVar("T")
STATIC = ("console.css",)
MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # the service's body limit (Settings.max_body_bytes)
SECURITY_HEADERS = {
    # No script, no inline style, nothing from another origin: the pages need none.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
NOTICES = {
    "uploaded": "The declaration was stored, determined and pre-reviewed.",
    "applied": "The application was submitted.",
    "issued": "The certificate was issued.",
    "refused": "The application was refused.",
    "status": "The certificate's status was changed.",
    "prereviewed": "The pre-review was run again.",
    "proposed": "The row was proposed; an issuing body decides.",
    "added": "The row was added to the register overlay.",
    "removed": "The row was removed from the register overlay.",
    "decided": "The proposal was decided.",
    "signed_out": "You are signed out.",
}
UPLOAD_TYPES = ".json,.yaml,.yml,application/json,application/yaml"


# --- plumbing --------------------------------------------------------------------------------


def _authority(request: Request) -> Authority:
    found: Authority = request.app.state.authority
    return found


def _sessions(request: Request) -> Sessions:
    sessions: Sessions | None = getattr(request.app.state, "console_sessions", None)
    if sessions is None:
        sessions = Sessions(_authority(request).console_secret())
        request.app.state.console_sessions = sessions
    return sessions


def _lang(request: Request) -> Lang:
    return resolve(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


class _SignedIn:
    """The session, who it speaks for, and that organisation's name."""

    def __init__(self, session: Session, who: Principal, name: str) -> None:
        self.session, self.who, self.name = session, who, name

    @property
    def exporter(self) -> bool:
        return self.who.role == EXPORTER

    @property
    def issuer(self) -> bool:
        return self.who.role == ISSUER


def _signed_in(request: Request) -> _SignedIn | None:
    session = _sessions(request).read(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    found = _authority(request)
    try:
        who = found.principal_of_key(session.key_id)
    except Unauthenticated:
        return None
    return _SignedIn(session, who, found.organisation_name(who))


def _switch_url(request: Request, lang: Lang) -> str:
    query = {k: v for k, v in request.query_params.items() if k not in ("lang", "done")}
    query["lang"] = "en" if lang == "zh" else "zh"
    return f"{request.url.path}?{urlencode(query)}"


def _page(
    request: Request,
    template: str,
    user: _SignedIn | None,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    started = time.perf_counter()
    lang = _lang(request)
    done = request.query_params.get("done")
    body = (
        environment(lang)
        .get_template(template)
        .render(
            user=user,
            csrf=None if user is None else _sessions(request).csrf_token(user.session),
            switch_url=_switch_url(request, lang),
            path=request.url.path,
            notice=text(lang, NOTICES[done]) if done in NOTICES else None,
            **context,
        )
    )
    response = HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)
    response.headers["Server-Timing"] = f"render;dur={(time.perf_counter() - started) * 1000:.1f}"
    if request.query_params.get("lang") in ("en", "zh"):
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 86400,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
            path="/",
        )
    return response


def _see(path: str, **query: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?{urlencode(query)}" if query else path, status_code=303)


def _to_sign_in(request: Request) -> RedirectResponse:
    return _see("/console/sign-in", next=request.url.path)


def _problem_page(
    request: Request, user: _SignedIn | None, exc: AuthorityError | InputError
) -> HTMLResponse:
    if isinstance(exc, AuthorityError):
        status, title, detail = exc.status, exc.title, exc.detail
    else:
        status, title, detail = 400, exc.message, exc.path or ""
    return _page(request, "console/error.html", user, status=status, title=title, detail=detail)


def _ok_origin(request: Request) -> bool:
    """A POST from this site only (SameSite=Strict already keeps the cookie off others')."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.url.netloc


async def _form(request: Request) -> FormData:
    return await request.form(max_files=1, max_fields=100)


def _field(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else default


async def _checked_post(request: Request) -> tuple[_SignedIn, FormData] | Response:
    """The signed-in user and the form of a POST whose CSRF token and origin are right."""
    user = await run_in_threadpool(_signed_in, request)
    if user is None:
        return _to_sign_in(request)
    form = await _form(request)
    if not _ok_origin(request) or not _sessions(request).csrf_ok(
        user.session, _field(form, "csrf_token")
    ):
        return _page(
            request,
            "console/error.html",
            user,
            status=403,
            title=text(_lang(request), "The form has expired or did not come from this site."),
            detail=text(_lang(request), "Go back, reload the page and try again."),
        )
    return user, form


async def _act(request: Request, user: _SignedIn, action: Callable[[], T]) -> T | HTMLResponse:
    """Run a use case in the thread pool; a refusal becomes an error page."""
    try:
        return await run_in_threadpool(action)
    except (AuthorityError, InputError) as exc:
        return _problem_page(request, user, exc)


def _get(request: Request, build: Callable[[_SignedIn], Response], *roles: str) -> Response:
    user = _signed_in(request)
    if user is None:
        return _to_sign_in(request)
    if roles and user.who.role not in roles:
        return _page(
            request,
            "console/error.html",
            user,
            status=403,
            title=text(_lang(request), "This page is not for your organisation's role."),
            detail="",
        )
    try:
        return build(user)
    except (AuthorityError, InputError) as exc:
        return _problem_page(request, user, exc)


# --- static, home, sign-in and sign-out --------------------------------------------------------


@router.get("/console/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC:
        return Response(status_code=404)
    from importlib import resources

    body = resources.files("rcep_origin.web").joinpath("static", name).read_bytes()
    return Response(
        body,
        media_type="text/css",
        headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/console")
def home(request: Request) -> Response:
    user = _signed_in(request)
    if user is None:
        return _see("/console/sign-in")
    return _see("/console/declarations" if user.exporter else "/console/requests")


@router.get("/console/sign-in")
def sign_in_page(request: Request) -> Response:
    return _sign_in_form(request)


def _sign_in_form(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    sessions = _sessions(request)
    pre = sessions.pre_session()
    response = _page(
        request,
        "console/sign_in.html",
        None,
        status=status,
        token=sessions.sign_in_token(pre),
        error=error,
        next=_local(request.query_params.get("next")),
    )
    response.set_cookie(
        PRE_SESSION_COOKIE,
        pre,
        max_age=PRE_SESSION_LIFETIME,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/console",
    )
    return response


def _local(path: str | None) -> str:
    """Only a console path is a place to return to (never another site)."""
    if path and path.startswith("/console/") and "//" not in path and "\\" not in path:
        return path
    return ""


@router.post("/console/sign-in")
async def sign_in(request: Request) -> Response:
    form = await _form(request)
    lang = _lang(request)
    sessions = _sessions(request)
    if not _ok_origin(request) or not sessions.sign_in_ok(
        request.cookies.get(PRE_SESSION_COOKIE), _field(form, "csrf_token")
    ):
        return _sign_in_form(
            request,
            error=text(lang, "The form has expired or did not come from this site."),
            status=403,
        )
    found = _authority(request)
    try:
        who = await run_in_threadpool(found.authenticate, _field(form, "api_key"))
    except AuthorityError:
        return _sign_in_form(request, error=text(lang, "That API key is not valid."), status=401)
    if who.role not in (EXPORTER, ISSUER):
        return _sign_in_form(
            request,
            error=text(lang, "The console is for exporters and issuing bodies."),
            status=403,
        )
    target = _local(_field(form, "next")) or (
        "/console/declarations" if who.role == EXPORTER else "/console/requests"
    )
    response = _see(target)
    response.set_cookie(
        SESSION_COOKIE,
        sessions.issue(who.key_id),
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )
    response.delete_cookie(PRE_SESSION_COOKIE, path="/console")
    return response


@router.post("/console/sign-out")
async def sign_out(request: Request) -> Response:
    checked = await _checked_post(request)
    if isinstance(checked, Response):
        return checked
    user, _ = checked
    _sessions(request).end(user.session)
    response = _see("/console/sign-in", done="signed_out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- declarations (exporter) -------------------------------------------------------------------


@router.get("/console/declarations")
def declarations(request: Request) -> Response:
    def build(user: _SignedIn) -> Response:
        found = _authority(request)
        return _page(
            request,
            "console/declarations.html",
            user,
            declarations=found.declarations_of(user.who),
            accept=UPLOAD_TYPES,
        )

    return _get(request, build, EXPORTER)


def _document_of(upload: UploadFile | str | None, raw: bytes) -> dict[str, Any]:
    name = upload.filename or "" if isinstance(upload, UploadFile) else ""
    if name.lower().endswith((".csv", ".xlsx", ".xls")):
        raise InputError(
            "CSV and XLSX files in the ERP layout are read once batch qualification (issue 15) "
            "has landed; upload the declaration as JSON or YAML for now",
            path="file",
        )
    if not raw.strip():
        raise InputError("choose a declaration file to upload", path="file")
    declaration = parse_declaration_text(raw, filename=name)
    document: dict[str, Any] = declaration.model_dump(mode="json", by_alias=True, exclude_none=True)
    return document


@router.post("/console/declarations")
async def upload(request: Request) -> Response:
    """Store the uploaded declaration (a new version when ``declaration_id`` is given),
    determine it and pre-review it in the reader's language."""
    checked = await _checked_post(request)
    if isinstance(checked, Response):
        return checked
    user, form = checked
    lang = _lang(request)
    upload = form.get("file")
    raw = await upload.read(MAX_UPLOAD_BYTES + 1) if isinstance(upload, UploadFile) else b""
    existing = _field(form, "declaration_id") or None
    found = _authority(request)

    def run() -> str:
        if len(raw) > MAX_UPLOAD_BYTES:
            raise InputError("the file is larger than 2 MiB", path="file")
        document = _document_of(upload, raw)
        stored = found.submit_declaration(user.who, document, declaration_id=existing).view
        found.determine(user.who, stored.declaration_id, stored.version)
        found.prereview(user.who, stored.declaration_id, stored.version, lang=lang)
        return stored.declaration_id

    try:
        declaration_id = await run_in_threadpool(run)
    except (AuthorityError, InputError) as exc:
        message = exc.message if isinstance(exc, InputError) else exc.title
        detail = (exc.path or "") if isinstance(exc, InputError) else exc.detail
        return _page(
            request,
            "console/declarations.html",
            user,
            status=exc.status if isinstance(exc, AuthorityError) else 400,
            declarations=await run_in_threadpool(found.declarations_of, user.who),
            accept=UPLOAD_TYPES,
            error=message,
            error_detail=detail,
        )
    return _see(f"/console/declarations/{declaration_id}", done="uploaded")


def _version_param(request: Request) -> int | None:
    raw = request.query_params.get("version", "")
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) < 2**31:
        raise NotFound("No such declaration version")
    return int(raw)


def _declaration_context(
    request: Request, user: _SignedIn, declaration_id: str, version: int | None
) -> dict[str, Any]:
    lang = _lang(request)
    record = _authority(request).declaration_record(user.who, declaration_id, version)
    verdict = record.determination.result if record.determination else None
    review = record.prereview.result if record.prereview else None
    document = record.document
    return {
        "record": record,
        "document": document,
        "verdict": verdict,
        "headline": None if verdict is None else _explain.headline(lang, verdict),
        "steps": [] if verdict is None else _explain.steps(lang, verdict, document),
        "chart": None if verdict is None else _explain.chart(lang, verdict, document),
        "outcome_label": None
        if verdict is None
        else text(lang, _explain.OUTCOMES.get(verdict.get("outcome", ""), "Cannot decide")),
        "review": review,
        "review_lang_differs": review is not None
        and (review.get("lang", "en") == "zh_Hans") != (lang == "zh"),
        "parties": sorted(parties()),
        "today": date.today().isoformat(),
        "accept": UPLOAD_TYPES,
    }


@router.get("/console/declarations/{declaration_id}")
def declaration(declaration_id: str, request: Request) -> Response:
    def build(user: _SignedIn) -> Response:
        context = _declaration_context(request, user, declaration_id, _version_param(request))
        return _page(request, "console/declaration.html", user, form={}, **context)

    return _get(request, build, EXPORTER, ISSUER)


@router.post("/console/declarations/{declaration_id}/prereview")
async def prereview_again(declaration_id: str, request: Request) -> Response:
    checked = await _checked_post(request)
    if isinstance(checked, Response):
        return checked
    user, form = checked
    version = int(_field(form, "version", "0") or 0) or None
    lang = _lang(request)
    found = _authority(request)
    done = await _act(
        request,
        user,
        lambda: found.prereview(user.who, declaration_id, version, lang=lang),
    )
    if isinstance(done, HTMLResponse):
        return done
    back = f"/console/declarations/{declaration_id}"
    if user.issuer:
        back = _local(_field(form, "back")) or back
    query = {"done": "prereviewed"}
    if version is not None and back.startswith("/console/declarations/"):
        query["version"] = str(version)
    return _see(back, **query)


def _application(declaration_id: str, version: int, form: FormData) -> Application:
    def field(name: str) -> str | None:
        return _field(form, name) or None

    body: dict[str, Any] = {
        "importer": {
            "name": field("importer_name"),
            "address": field("importer_address"),
            "country": field("importer_country"),
        },
        "consignment": {
            "departure_date": field("departure_date"),
            "transport": field("transport"),
            "port_of_discharge": field("port_of_discharge"),
        },
        "items": [
            {
                "declaration_id": declaration_id,
                "version": version,
                "quantity": {"value": field("quantity"), "unit": field("unit")},
                "invoice": {"number": field("invoice_number"), "date": field("invoice_date")},
                **({"marks_and_packages": field("marks")} if field("marks") else {}),
            }
        ],
    }
    if field("remarks"):
        body["remarks"] = field("remarks")
    try:
        return Application.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(first["msg"], path=where) from None


@router.post("/console/declarations/{declaration_id}/apply")
async def apply(declaration_id: str, request: Request) -> Response:
    checked = await _checked_post(request)
    if isinstance(checked, Response):
        return checked
    user, form = checked
    found = _authority(request)
    version_text = _field(form, "version")
    version = int(version_text) if version_text.isdigit() else 0

    def run() -> str:
        application = _application(declaration_id, version, form)
        return found.apply(user.who, application).view.request_id

    try:
        request_id = await run_in_threadpool(run)
    except (AuthorityError, InputError) as exc:
        message = exc.message if isinstance(exc, InputError) else exc.title
        detail = (exc.path or "") if isinstance(exc, InputError) else exc.detail
        try:
            context = await run_in_threadpool(
                _declaration_context, request, user, declaration_id, version or None
            )
        except (AuthorityError, InputError) as missing:
            return _problem_page(request, user, missing)
        return _page(
            request,
            "console/declaration.html",
            user,
            status=exc.status if isinstance(exc, AuthorityError) else 400,
            apply_error=message,
            apply_error_detail=detail,
            form={k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"},
            **context,
        )
    return _see(f"/console/requests/{request_id}", done="applied")


# --- applications ------------------------------------------------------------------------------

STATES = ("submitted", "issued", "refused")


@router.get("/console/requests")
def requests(request: Request) -> Response:
    def build(user: _SignedIn) -> Response:
        state = request.query_params.get("state")
        state = state if state in STATES else ("submitted" if user.issuer else None)
        if request.query_params.get("state") == "all":
            state = None
        found = _authority(request).queue(user.who, state)
        return _page(
            request,
            "console/requests.html",
            user,
            entries=found,
            state=state or "all",
            states=(*STATES, "all"),
        )

    return _get(request, build, EXPORTER, ISSUER)


@router.get("/console/requests/{request_id}")
def request_page(request_id: str, request: Request) -> Response:
    def build(user: _SignedIn) -> Response:
        lang = _lang(request)
        found = _authority(request)
        application = found.request(user.who, request_id)
        goods = []
        for item in application.application.get("items", []):
            record = found.declaration_record(user.who, item["declaration_id"], item.get("version"))
            verdict = record.determination.result if record.determination else None
            review = record.prereview.result if record.prereview else None
            goods.append(
                {
                    "item": item,
                    "record": record,
                    "verdict": verdict,
                    "headline": None if verdict is None else _explain.headline(lang, verdict),
                    "review": review,
                    "review_lang_differs": review is not None
                    and (review.get("lang", "en") == "zh_Hans") != (lang == "zh"),
                }
            )
        return _page(request, "console/request.html", user, application=application, goods=goods)

    return _get(request, build, EXPORTER, ISSUER)


@router.post("/console/requests/{request_id}/issue")
async def issue(request_id: str, request: Request) -> Response:
    checked = await _checked_post(request)
    if isinstance(checked, Response):
        return checked
    user, _ = checked
    found = _authority(request)
    done = await _act(request, user, lambda: found.issue(user.who, request_id))
    if isinstance(done, HTMLResponse):
        return done
    number = done.view.certificate_number
    return _see(f"/console/certificates/{number}", done="issued")


@router.post("/console/requests/{request_id}/refuse")
async def refuse(request_id: str, request: Request) -> Response:
    checked = await _checked_post(request)
    if isinstance(checked, Response):
        return checked
    user, form = checked
    reason = _field(form, "reason")
    found = _authority(request)

    def run() -> Any:
        if not reason:
            raise InputError("give the reason for refusing", path="reason")
        return found.refuse(user.who, request_id, reason[:2000])

    done = await _act(request, user, run)
    if isinstance(done, HTMLResponse):
        return done
    return _see(f"/console/requests/{request_id}", done="refused")


# --- certificates ------------------------------------------------------------------------------


@router.get("/console/certificates")
def certificates(request: Request) -> Response:
    def build(user: _SignedIn) -> Response:
        found = _authority(request).certificates_of(user.who)
        return _page(request, "console/certificates.html", user, certificates=found)

    return _get(request, build, EXPORTER, ISSUER)


@router.get("/console/certificates/{number}")
def certificate(number: str, request: Request) -> Response:
    def build(user: _SignedIn) -> Response:
        found = _authority(request)
        record = found.certificate_record(user.who, number)
        codes = {
            "".join(c for c in str(good.get("hs_code", "")) if c.isdigit())
            for good in record.certificate.get("goods", [])
        }
        overlay = []
        if user.issuer:
            legislation = found.legislation(user.who)
            overlay = [
                row
                for row in legislation.overlay
                if any(code.startswith(row.hs_code.replace(".", "")) for code in codes)
            ]
        return _page(
            request,
            "console/certificate.html",
            user,
            record=record,
            certificate=record.certificate,
            overlay=overlay,
            verify_url=found.keystore.profile().verify_link(number),
        )

    return _get(request, build, EXPORTER, ISSUER)


FORMS = {
    "pdf": ("application/pdf", "pdf"),
    "json": ("application/vc+ld+json", "json"),
    "jwt": ("application/vc+jwt", "jwt"),
    "xml": ("application/xml", "xml"),
}


@router.get("/console/certificates/{number}/download/{form}")
def download(number: str, form: str, request: Request) -> Response:
    def build(user: _SignedIn) -> Response:
        if form not in FORMS:
            raise NotFound("No such form")
        found = _authority(request)
        if form == "pdf":
            body: bytes | str = found.certificate_pdf(user.who, number)
        elif form == "json":
            credential = found.certificate(user.who, number).credential
            body = json.dumps(credential, indent=2, ensure_ascii=False) + "\n"
        elif form == "jwt":
            body = found.certificate(user.who, number).jwt
        else:
            body = found.certificate_forms(user.who, number).xml or b""
        media, extension = FORMS[form]
        return Response(
            body,
            media_type=media,
            headers={
                "Content-Disposition": f'attachment; filename="{number}.{extension}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return _get(request, build, EXPORTER, ISSUER)


ACTIONS = {
    "revoke": ("revocation", True),
    "suspend": ("suspension", True),
    "reinstate": ("suspension", False),
}


@router.post("/console/certificates/{number}/status")
async def change_status(number: str, request: Request) -> Response:
    checked = await _checked_post(request)
    if isinstance(checked, Response):
        return checked
    user, form = checked
    action = _field(form, "action")
    reason = _field(form, "reason")
    found = _authority(request)

    def run() -> Any:
        if action not in ACTIONS:
            raise InputError("choose revoke, suspend or reinstate", path="action")
        if not reason:
            raise InputError("give the reason for the change", path="reason")
        purpose, flagged = ACTIONS[action]
        return found.set_status(
            user.who, number, purpose=purpose, flagged=flagged, reason=reason[:2000]
        )

    done = await _act(request, user, run)
    if isinstance(done, HTMLResponse):
        return done
    return _see(f"/console/certificates/{number}", done="status")


# --- the rule-set overlay ----------------------------------------------------------------------


@router.get("/console/legislation")
def legislation(request: Request) -> Response:
    def build(user: _SignedIn) -> Response:
        view = _authority(request).legislation(user.who)
        return _page(request, "console/legislation.html", user, legislation=view)

    return _get(request, build, EXPORTER, ISSUER)


def _row_input(form: FormData) -> LegislationRowInput:
    body = {
        k: _field(form, k)
        for k in (
            "hs_code",
            "rule",
            "source",
            "hs_edition",
            "description",
            "checked_by",
            "note",
            "basis",
        )
        if _field(form, k)
    }
    try:
        return LegislationRowInput.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(first["msg"], path=".".join(str(p) for p in first["loc"])) from None


@router.post("/console/legislation/rows")
async def legislation_row(request: Request) -> Response:
    """An issuing body adds a row to its overlay; an exporter proposes one."""
    checked = await _checked_post(request)
    if isinstance(checked, Response):
        return checked
    user, form = checked
    found = _authority(request)

    def run() -> str:
        row = _row_input(form)
        if user.issuer:
            found.add_legislation_row(user.who, row)
            return "added"
        found.propose_legislation_row(user.who, row)
        return "proposed"

    done = await _act(request, user, run)
    if isinstance(done, HTMLResponse):
        return done
    return _see("/console/legislation", done=done)


@router.post("/console/legislation/rows/{row_id}/remove")
async def legislation_remove(row_id: int, request: Request) -> Response:
    checked = await _checked_post(request)
    if isinstance(checked, Response):
        return checked
    user, form = checked
    reason = _field(form, "reason") or "removed in the console"
    found = _authority(request)
    done = await _act(
        request, user, lambda: found.remove_legislation_row(user.who, row_id, reason[:2000])
    )
    if isinstance(done, HTMLResponse):
        return done
    return _see("/console/legislation", done="removed")


@router.post("/console/legislation/proposals/{row_id}/decision")
async def legislation_decide(row_id: int, request: Request) -> Response:
    checked = await _checked_post(request)
    if isinstance(checked, Response):
        return checked
    user, form = checked
    approve = _field(form, "decision") == "approve"
    reason = _field(form, "reason")
    found = _authority(request)

    def run() -> Any:
        from rcep_origin.authority import ProposalDecision

        if not reason:
            raise InputError("give the reason for the decision", path="reason")
        return found.decide_proposal(
            user.who, row_id, ProposalDecision(approve=approve, reason=reason[:2000])
        )

    done = await _act(request, user, run)
    if isinstance(done, HTMLResponse):
        return done
    return _see("/console/legislation", done="decided")


# --- the public page's download ----------------------------------------------------------------


@router.get("/verify/{number}/certificate.json")
def public_certificate(number: str, request: Request) -> Response:
    """The signed certificate behind the public verification page, to keep or to verify
    offline (``rcep-origin certificate verify FILE --trust did.json``)."""
    try:
        credential = _authority(request).public_credential(number)
    except NotFound:
        return Response("No certificate with this number was issued here\n", status_code=404)
    return Response(
        json.dumps(credential, indent=2, ensure_ascii=False) + "\n",
        media_type="application/vc+ld+json",
        headers={
            "Content-Disposition": f'attachment; filename="{number}.json"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def checked_at() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
