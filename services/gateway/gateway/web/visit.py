"""One browser request's context: who is visiting (from the session cookies), in which language and time zone,
and helpers to call the services on their behalf and to render pages."""

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from gateway.settings import Settings
from gateway.upstream import UpstreamResponse, Upstreams, UpstreamUnavailable
from gateway.web import labels
from gateway.web.session import (
    ACCESS_COOKIE,
    CSRF_COOKIE,
    CSRF_FIELD,
    LANG_COOKIE,
    REFRESH_COOKIE,
    TZ_COOKIE,
    CookiePolicy,
    CsrfSigner,
    Tokens,
    expires_soon,
    session_id_of,
    unverified_claims,
)
from shared.events.vocabulary import PortalAction
from shared.i18n import LANGUAGES, Catalogs, LocaleFormatter, negotiate_language
from shared.permissions import reads_guides_only

log = logging.getLogger(__name__)
PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Refusals a form shows next to its fields; anything else is a page-level outcome.
FORM_REFUSALS = frozenset({400, 409, 422, 429})


class LoginRequired(Exception):
    pass


class PageError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass(frozen=True)
class User:
    """The visitor as the access token describes them. What they may start comes from `accounts` with the token
    (`actions`, and per account `account_actions`): the pages decide no role rule themselves."""

    id: str
    name: str
    language: str
    actions: frozenset[str] = frozenset()
    account_actions: dict[str, frozenset[str]] = field(default_factory=dict)
    # Every role of theirs is the Knowledge User's: the self-help guides are all they see (shared.permissions).
    guides_only: bool = False

    def may(self, action: str) -> bool:
        return action in self.actions

    def accounts_allowing(self, action: str) -> list[str]:
        return [account for account, actions in self.account_actions.items() if action in actions]

    @classmethod
    def from_claims(cls, claims: dict) -> "User":
        return cls(
            id=str(claims.get("sub", "")),
            name=str(claims.get("name") or ""),
            language=str(claims.get("lang") or ""),
            actions=frozenset(claims.get("actions") or ()),
            account_actions={
                str(account): frozenset(actions or ())
                for account, actions in dict(claims.get("account_actions") or {}).items()
            },
            guides_only=reads_guides_only(dict(claims.get("memberships") or {}), claims.get("staff_role")),
        )


@dataclass
class Answer:
    """A service's answer to a page's call."""

    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def answer_of(response: UpstreamResponse) -> Answer:
    """A service's answer with its JSON body read (None when it has none, or none that is JSON)."""
    body: Any = None
    if response.content:
        try:
            body = response.json()
        except ValueError:
            body = None
    return Answer(response.status_code, body)


class Web:
    """What every page shares: templates, catalogs, cookie and CSRF policy, the services."""

    def __init__(self, settings: Settings, upstreams: Upstreams) -> None:
        self.settings, self.upstreams = settings, upstreams
        self.catalogs = Catalogs(PACKAGE_DIR / "locales")
        self.templates = Environment(
            loader=FileSystemLoader(PACKAGE_DIR / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.cookies = CookiePolicy(
            secure=settings.cookie_secure, refresh_max_age=settings.refresh_cookie_max_age_seconds
        )
        self.csrf = CsrfSigner(settings.session_secret)


def in_language(texts: Any, language: str) -> str:
    if not isinstance(texts, dict):
        return str(texts or "")
    return str(texts.get(language) or texts.get("en") or "")


def parse_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse_date(value: Any) -> dt.date | None:
    """A calendar date ('2026-03-02'), shown as is: converting it through a time zone could move it a day."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def local_path(value: str | None, default: str = "/") -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


@dataclass
class Visit:
    request: Request
    web: Web
    language: str
    time_zone: str
    user: User | None = None
    token: str | None = None
    new_tokens: Tokens | None = None
    csrf_token: str = ""
    csrf_session: str | None = None  # the session csrf_token is bound to; None until first asked for
    new_csrf: bool = False
    extra_cookies: dict[str, str] = field(default_factory=dict)

    # -- language and formatting
    @property
    def translations(self):
        return self.web.catalogs.get(self.language)

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    @property
    def formatter(self) -> LocaleFormatter:
        return LocaleFormatter(self.language, self.time_zone)

    def notice(self, notices: dict[str, str]) -> str | None:
        """The success notice the page was redirected with (`?notice=<key>`), in the visitor's language."""
        key = self.request.query_params.get("notice", "")
        return self.gettext(notices[key]) if key in notices else None

    def label(self, kind: str, value: Any) -> str:
        known = labels.KINDS[kind].get(str(value))
        return self.gettext(known) if known else str(value or "")

    # -- calling the services on the visitor's behalf
    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        refusals: frozenset[int] | set[int] = FORM_REFUSALS,
        anonymous: bool = False,
    ) -> Answer:
        response = await self.fetch(
            service, method, path, json=json, params=params, refusals=refusals, anonymous=anonymous
        )
        return answer_of(response)

    async def fetch(
        self,
        service: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        refusals: frozenset[int] | set[int] = FORM_REFUSALS,
        anonymous: bool = False,
    ) -> UpstreamResponse:
        """The service's answer as sent (a download's bytes); a status neither successful nor among `refusals`
        becomes the login page or an error page."""
        # The visitor's address, so that accounts throttles failed logins per client, not per gateway.
        client = self.request.client.host if self.request.client else ""
        response = await self.web.upstreams.send(
            service,
            method,
            path,
            json=json,
            params=params,
            token=None if anonymous else self.token,
            language=self.language,
            headers={"X-Forwarded-For": client} if client else None,
        )
        status = response.status_code
        if 200 <= status < 300 or status in refusals:
            return response
        if status == 401:
            raise LoginRequired()
        if status in (403, 404):
            raise PageError(status)
        log.warning("%s %s %s answered %s", service, method, path, status)
        raise PageError(502)

    async def get(self, service: str, path: str, params: Any = None) -> Any:
        return (await self.call(service, "GET", path, params=params, refusals=frozenset())).body

    # -- forms
    def session_id(self) -> str:
        """The visitor's session: of the token in use once the session is resumed, else of the session cookie."""
        return session_id_of(self.token or self.request.cookies.get(ACCESS_COOKIE))

    def csrf(self) -> str:
        """The CSRF token of the current session: the cookie's while it is bound to this session, else a new one
        (so a login, which starts a session, rotates it)."""
        session_id = self.session_id()
        if self.csrf_session != session_id:
            cookie = self.request.cookies.get(CSRF_COOKIE)
            if cookie is not None and self.web.csrf.is_genuine(cookie, session_id):
                self.csrf_token, self.new_csrf = cookie, False
            else:
                self.csrf_token, self.new_csrf = self.web.csrf.new_token(session_id), True
            self.csrf_session = session_id
        return self.csrf_token

    async def form(self) -> dict[str, Any]:
        """The posted form, after the CSRF check. Multi-valued fields (checkboxes) come as lists."""
        data = await self.request.form()
        submitted = str(data.get(CSRF_FIELD) or "")
        if not self.web.csrf.matches(self.request.cookies.get(CSRF_COOKIE), submitted, self.session_id()):
            raise PageError(403)
        values: dict[str, Any] = {}
        for key in data:
            items = [str(v) for v in data.getlist(key) if isinstance(v, str)]
            values[key] = items if len(items) > 1 else (items[0] if items else "")
        values.pop(CSRF_FIELD, None)
        return values

    # -- responses
    def context(self, **extra: Any) -> dict[str, Any]:
        formatter = self.formatter
        return {
            "_": self.gettext,
            "gettext": self.gettext,
            "ngettext": self.translations.ngettext,
            "lang": self.language,
            "languages": labels.LANGUAGE_NAMES,
            "user": self.user,
            "csrf_field": CSRF_FIELD,
            "csrf_token": self.csrf(),
            "path": self.request.url.path,
            "current_url": str(self.request.url.path)
            + (f"?{self.request.url.query}" if self.request.url.query else ""),
            "label": self.label,
            "when": lambda v, f="medium": formatter.datetime(parse_time(v), f),
            "day": lambda v: formatter.date(parse_time(v) or v),
            "number": formatter.number,
            "money": formatter.money,
            "country": formatter.country,
            # A response due time, with its weekday (F-12).
            "due_when": lambda v: formatter.date_and_time(parse_time(v)),
            "open_statuses": labels.OPEN_STATUSES,
            "query": query_string,
            "quote": quote,
            "calendar_day": lambda v: formatter.date(parse_date(v)),
            # A text a service keeps in several languages ({"en": ..., "es": ...}): the visitor's, else English.
            "in_language": lambda texts: in_language(texts, self.language),
            **extra,
        }

    def render(self, template: str, status: int = 200, **extra: Any) -> HTMLResponse:
        html = self.web.templates.get_template(template).render(self.context(**extra))
        return self.finish(HTMLResponse(html, status_code=status))

    def redirect(self, url: str) -> RedirectResponse:
        return self.finish(RedirectResponse(url, status_code=303))

    def finish(self, response):
        cookies = self.web.cookies
        if self.new_tokens:
            cookies.set_tokens(response, self.new_tokens)
        if self.csrf() and self.new_csrf:
            # Readable by no script either: the form repeats it from the page.
            cookies.set(response, CSRF_COOKIE, self.csrf_token, max_age=None)
        for name, value in self.extra_cookies.items():
            cookies.set(response, name, value, max_age=365 * 24 * 3600)
        response.headers["Cache-Control"] = "no-store"
        return response

    def login_redirect(self) -> RedirectResponse:
        target = self.request.url.path + (f"?{self.request.url.query}" if self.request.url.query else "")
        if self.request.method != "GET":
            target = local_path(referer_path(self.request), "/")
        response = RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
        self.web.cookies.clear_tokens(response)
        return response


def referer_path(request: Request) -> str | None:
    referer = request.headers.get("referer") or ""
    base = str(request.base_url)
    if referer.startswith(base):
        return "/" + referer[len(base) :]
    return None


def query_string(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def web_of(request: Request) -> Web:
    return request.app.state.web


def start_visit(request: Request) -> Visit:
    """Language for anyone (the CSRF token when first asked for); the session is read by the user dependencies
    below."""
    web = web_of(request)
    claims = unverified_claims(request.cookies.get(ACCESS_COOKIE))
    preferred = (claims or {}).get("lang") or request.cookies.get(LANG_COOKIE)
    language = negotiate_language(request.headers.get("accept-language"), preferred)
    visit = Visit(
        request=request, web=web, language=language, time_zone=request.cookies.get(TZ_COOKIE) or "UTC"
    )
    request.state.visit = visit
    return visit


async def refresh_tokens(visit: Visit) -> Tokens | None:
    refresh_token = visit.request.cookies.get(REFRESH_COOKIE)
    if not refresh_token:
        return None
    answer = await visit.call(
        "accounts",
        "POST",
        "/api/accounts/v1/auth/refresh",
        json={"refresh_token": refresh_token},
        anonymous=True,
        refusals=frozenset({400, 401, 403, 404, 409, 422}),
    )
    return Tokens.from_answer(answer.body) if answer.ok and isinstance(answer.body, dict) else None


async def resume_session(visit: Visit) -> bool:
    """Attach the logged-in user to the visit, refreshing the access token when it expired or is about to."""
    token = visit.request.cookies.get(ACCESS_COOKIE)
    claims = unverified_claims(token)
    if claims is None or expires_soon(claims, visit.web.settings.refresh_margin_seconds):
        tokens = await refresh_tokens(visit)
        if tokens is None:
            return False
        token, claims, visit.new_tokens = tokens.access_token, unverified_claims(tokens.access_token), tokens
        if claims is None:
            return False
    visit.token, visit.user = token, User.from_claims(claims)
    if visit.user.language in LANGUAGES:
        visit.language = visit.user.language
    return True


async def anonymous_visit(request: Request) -> Visit:
    return start_visit(request)


async def remember_time_zone(visit: Visit) -> None:
    """Dates are shown in the profile's time zone; keep it in a cookie so pages need not ask for the profile."""
    try:
        answer = await visit.call(
            "accounts", "GET", "/api/accounts/v1/me", refusals=frozenset(range(400, 600))
        )
    except UpstreamUnavailable:
        return
    if answer.ok and isinstance(answer.body, dict) and answer.body.get("time_zone"):
        visit.time_zone = visit.extra_cookies[TZ_COOKIE] = str(answer.body["time_zone"])


async def user_visit(request: Request) -> Visit:
    visit = start_visit(request)
    if not await resume_session(visit):
        raise LoginRequired()
    if TZ_COOKIE not in request.cookies:  # a session resumed in a browser that never logged in here
        await remember_time_zone(visit)
    return visit


async def staff_visit(visit: Annotated[Visit, Depends(user_visit)]) -> Visit:
    if visit.user is None or not visit.user.may(PortalAction.WORK_CASES):
        raise PageError(403)
    return visit


async def supervisor_visit(visit: Annotated[Visit, Depends(user_visit)]) -> Visit:
    if visit.user is None or not visit.user.may(PortalAction.MANAGE_ROUTING):
        raise PageError(403)
    return visit


async def guides_visit(visit: Annotated[Visit, Depends(user_visit)]) -> Visit:
    if visit.user is None or not visit.user.may(PortalAction.MANAGE_GUIDES):
        raise PageError(403)
    return visit


async def reports_visit(visit: Annotated[Visit, Depends(user_visit)]) -> Visit:
    if visit.user is None or not visit.user.may(PortalAction.VIEW_REPORTS):
        raise PageError(403)
    return visit


AnonymousVisit = Annotated[Visit, Depends(anonymous_visit)]
UserVisit = Annotated[Visit, Depends(user_visit)]
StaffVisit = Annotated[Visit, Depends(staff_visit)]
SupervisorVisit = Annotated[Visit, Depends(supervisor_visit)]
ReportsVisit = Annotated[Visit, Depends(reports_visit)]
GuidesVisit = Annotated[Visit, Depends(guides_visit)]
