"""Pages of the anonymous visitor: login and logout, registration, email verification, password reset,
invitations, and the language switcher."""

import contextlib

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.upstream import UpstreamUnavailable
from gateway.web.labels import N_
from gateway.web.refusals import form_errors, problem_text
from gateway.web.session import DEVICE_COOKIE, LANG_COOKIE, REFRESH_COOKIE, Tokens
from gateway.web.visit import FORM_REFUSALS, AnonymousVisit, local_path, remember_time_zone, resume_session
from shared.i18n import LANGUAGES

router = APIRouter(include_in_schema=False)
ACCOUNTS = "/api/accounts/v1"
LOGIN_REFUSALS = FORM_REFUSALS | {401, 403, 423}
# A token link (verification, reset, invitation) can be refused as unknown, used or expired.
TOKEN_REFUSALS = FORM_REFUSALS | {401, 403, 404, 410}

LOGIN_NOTICES = {
    "logged_out": N_("You have logged out."),
    "reset": N_("Your password has been changed. Log in with the new one."),
    "invited": N_("Your account is ready. Log in to continue."),
}


@router.get("/login", response_class=HTMLResponse)
async def login_page(visit: AnonymousVisit, next: str = "/", notice: str = "") -> Response:
    return visit.render(
        "login.html", values={"next": local_path(next)}, errors={}, notice=LOGIN_NOTICES.get(notice)
    )


@router.post("/login", response_class=HTMLResponse)
async def login(visit: AnonymousVisit) -> Response:
    form = await visit.form()
    values = {"email": form.get("email", ""), "next": local_path(form.get("next"))}
    answer = await visit.call(
        "accounts",
        "POST",
        f"{ACCOUNTS}/auth/login",
        anonymous=True,
        refusals=LOGIN_REFUSALS,
        json={"email": values["email"], "password": form.get("password", ""), **device_of(visit)},
    )
    if not answer.ok:
        problem = (
            visit.gettext("The email address or the password is not right.")
            if answer.status == 401
            else problem_text(visit, answer)
        )
        return visit.render(
            "login.html",
            status=answer.status,
            values=values,
            errors=form_errors(visit, answer),
            problem=problem,
        )
    visit.new_tokens = Tokens.from_answer(answer.body)
    visit.token = visit.new_tokens.access_token
    if answer.body.get("device_token"):
        visit.extra_cookies[DEVICE_COOKIE] = answer.body["device_token"]
    await remember_time_zone(visit)
    return visit.redirect(values["next"])


def device_of(visit) -> dict[str, str]:
    token = visit.request.cookies.get(DEVICE_COOKIE)
    return {"device_token": token} if token else {}


@router.get("/logout", response_class=HTMLResponse)
async def logout_page(visit: AnonymousVisit) -> Response:
    await resume_session(visit)
    if visit.user is None:
        return visit.redirect("/login")
    return visit.render("logout.html")


@router.post("/logout")
async def logout(visit: AnonymousVisit) -> Response:
    resumed = await resume_session(visit)  # first: the form's CSRF token is bound to the session
    await visit.form()
    # End the session on the server first (F-03); the cookies go whatever the answer.
    if resumed:
        # Unavailable: the access token still expires on its own; the cookies are cleared below either way.
        with contextlib.suppress(UpstreamUnavailable):
            await visit.call(
                "accounts",
                "POST",
                f"{ACCOUNTS}/auth/logout",
                refusals=frozenset(range(400, 600)),
                json={"refresh_token": visit.request.cookies.get(REFRESH_COOKIE, "")},
            )
    visit.new_tokens = None
    response = visit.redirect("/login?notice=logged_out")
    visit.web.cookies.clear_tokens(response)
    return response


@router.get("/language/{language}")
async def switch_language(visit: AnonymousVisit, language: str, next: str = "/") -> RedirectResponse:
    if language in LANGUAGES:
        visit.extra_cookies[LANG_COOKIE] = language
    return visit.redirect(local_path(next))


# -- registration (F-01)
REGISTRATION_FIELDS = ("name", "email", "language", "account_number", "serial")


@router.get("/register", response_class=HTMLResponse)
async def register_page(visit: AnonymousVisit) -> Response:
    return visit.render("register.html", values={"language": visit.language}, errors={})


@router.post("/register", response_class=HTMLResponse)
async def register(visit: AnonymousVisit) -> Response:
    form = await visit.form()
    values = {name: str(form.get(name, "")).strip() for name in REGISTRATION_FIELDS}
    answer = await visit.call(
        "accounts",
        "POST",
        f"{ACCOUNTS}/registrations",
        anonymous=True,
        json={**values, "password": form.get("password", "")},
    )
    if not answer.ok:
        return visit.render(
            "register.html",
            status=answer.status,
            values=values,
            errors=form_errors(visit, answer),
            problem=problem_text(visit, answer),
        )
    return visit.render(
        "message.html",
        heading=visit.gettext("Check your email"),
        message=visit.gettext(
            "We have sent you a link to confirm your email address. Open it to continue your registration."
        ),
    )


@router.get("/verify-email", response_class=HTMLResponse)
async def verify_email_page(visit: AnonymousVisit, token: str = "") -> Response:
    # A button, not an automatic call: mail scanners that open links must not use up the single-use token.
    return visit.render("verify_email.html", token=token)


@router.post("/verify-email", response_class=HTMLResponse)
async def verify_email(visit: AnonymousVisit) -> Response:
    form = await visit.form()
    answer = await visit.call(
        "accounts",
        "POST",
        f"{ACCOUNTS}/registrations/verify",
        anonymous=True,
        refusals=TOKEN_REFUSALS,
        json={"token": form.get("token", "")},
    )
    if not answer.ok:
        return visit.render(
            "message.html",
            status=answer.status,
            heading=visit.gettext("This link cannot be used"),
            message=problem_text(visit, answer),
        )
    return visit.render(
        "message.html",
        heading=visit.gettext("Email address confirmed"),
        message=visit.gettext(
            "Thank you. An administrator of your account will now approve your "
            "access; we will email you when it is done."
        ),
    )


# -- password reset (F-03)
@router.get("/forgot-password", response_class=HTMLResponse)
async def forgot_password_page(visit: AnonymousVisit) -> Response:
    return visit.render("forgot_password.html", values={}, errors={})


@router.post("/forgot-password", response_class=HTMLResponse)
async def forgot_password(visit: AnonymousVisit) -> Response:
    form = await visit.form()
    values = {"email": str(form.get("email", "")).strip()}
    answer = await visit.call(
        "accounts", "POST", f"{ACCOUNTS}/auth/password-reset", anonymous=True, json=values
    )
    if not answer.ok:
        return visit.render(
            "forgot_password.html",
            status=answer.status,
            values=values,
            errors=form_errors(visit, answer),
            problem=problem_text(visit, answer),
        )
    return visit.render(
        "message.html",
        heading=visit.gettext("Check your email"),
        message=visit.gettext(
            "If an account uses this address, we have sent it a link to choose "
            "a new password. The link is valid for a limited time."
        ),
    )


@router.get("/reset-password", response_class=HTMLResponse)
async def reset_password_page(visit: AnonymousVisit, token: str = "") -> Response:
    return visit.render("reset_password.html", values={"token": token}, errors={})


@router.post("/reset-password", response_class=HTMLResponse)
async def reset_password(visit: AnonymousVisit) -> Response:
    form = await visit.form()
    values = {"token": form.get("token", "")}
    answer = await visit.call(
        "accounts",
        "POST",
        f"{ACCOUNTS}/auth/password-reset/confirm",
        anonymous=True,
        refusals=TOKEN_REFUSALS,
        json={**values, "password": form.get("password", "")},
    )
    if not answer.ok:
        return visit.render(
            "reset_password.html",
            status=answer.status,
            values=values,
            errors=form_errors(visit, answer),
            problem=problem_text(visit, answer),
        )
    return visit.redirect("/login?notice=reset")


# -- invitations (F-02)
@router.get("/invitations/{token}", response_class=HTMLResponse)
async def invitation_page(visit: AnonymousVisit, token: str) -> Response:
    return visit.render("invitation.html", token=token, values={}, errors={})


@router.post("/invitations/{token}", response_class=HTMLResponse)
async def accept_invitation(visit: AnonymousVisit, token: str) -> Response:
    form = await visit.form()
    values = {"name": str(form.get("name", "")).strip()}
    answer = await visit.call(
        "accounts",
        "POST",
        f"{ACCOUNTS}/invitations/accept",
        anonymous=True,
        refusals=TOKEN_REFUSALS,
        json={"token": token, **values, "password": form.get("password", "")},
    )
    if not answer.ok:
        return visit.render(
            "invitation.html",
            status=answer.status,
            token=token,
            values=values,
            errors=form_errors(visit, answer),
            problem=problem_text(visit, answer),
        )
    return visit.redirect("/login?notice=invited")
