"""In a real browser, a Spanish and a Swedish administrator manage their users (F-02, F-34): a searchable table with
an edit page per user, open invitations sent again and withdrawn, the audit trail as sentences with names and old
and new values, filtered; a new user changes their password from the profile, which ends their other session, and
picks a time zone from a short list with the account's own first; an applicant who logs in while the registration
waits is told so, and is emailed the decision (F-01, F-60). Screenshots of the users page and the audit trail at a
desk's and a phone's width go to var/screenshots/."""

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.screens import screenshot
from tests.browser.test_incident_in_the_browser import log_in
from tests.system import first_match, text_of

pytestmark = pytest.mark.browser
NEW_PASSWORD = "a long new passphrase 7"
CHANGED_PASSWORD = "another long passphrase 8"

# What each language says, as the catalogs have it.
WORDS: dict[str, dict[str, Any]] = {
    "es": {
        "locale": "es-ES",
        "admin": ("admin@iberica.example", "María García"),
        "account": ("ES-100234", "ES3826C0002"),
        "users": "Usuarios de la cuenta",
        "invited_notice": "Se ha enviado la invitación.",
        "resent": "La invitación se ha enviado de nuevo con un enlace nuevo",
        "withdrawn": "La invitación se ha retirado",
        "invited_sentence": "María García invitó a {name} como Usuario de consulta",
        "role_sentence": "María García dio a {name} el rol Gestor de productos",
        "role_change": "Usuario de consulta → Gestor de productos",
        "invitations_kind": "Invitaciones",
        "own_zones": "Los de su cuenta",
        "wrong_password": "La contraseña actual no es correcta.",
        "password_changed": "Su contraseña se ha cambiado.",
        "waiting": "Su registro está pendiente de la aprobación del administrador de la cuenta.",
        "approved_subject": "Su registro ha sido aprobado",
    },
    "sv": {
        "locale": "sv-SE",
        "admin": ("admin@nordisk.example", "Erik Lindqvist"),
        "account": ("SE-200567", "SE1333C0008"),
        "users": "Kontots användare",
        "invited_notice": "Inbjudan har skickats.",
        "resent": "Inbjudan har skickats igen med en ny länk",
        "withdrawn": "Inbjudan har dragits tillbaka",
        "invited_sentence": "Erik Lindqvist bjöd in {name} som Kunskapsanvändare",
        "role_sentence": "Erik Lindqvist gav {name} rollen Enhetsansvarig",
        "role_change": "Kunskapsanvändare → Enhetsansvarig",
        "invitations_kind": "Inbjudningar",
        "own_zones": "Ditt kontos",
        "wrong_password": "Det nuvarande lösenordet är fel.",
        "password_changed": "Ditt lösenord har bytts.",
        "waiting": "Din registrering väntar på godkännande av kontots administratör.",
        "approved_subject": "Din registrering har godkänts",
    },
}


def invite(page: Page, email: str, name: str) -> None:
    page.goto("/account/users")
    page.locator("summary.disclosure-title").click()
    page.locator("#f-invite-email").fill(email)
    page.locator("#f-invite-name").fill(name)
    page.locator("#f-invite-role").select_option("knowledge_user")
    page.locator("form[action='/account/users/invite'] button[type=submit]").click()


def accept_invitation(system, email: str, name: str) -> None:
    [invitation] = system.inbox.wait_for(lambda m: email in m["To"] and "/invitations/" in text_of(m))
    token = first_match(r"/invitations/([^\s\"<>/]+)", text_of(invitation), 1)
    with system.client() as api:
        accepted = api.post(
            "/api/accounts/v1/invitations/accept",
            json={"token": token, "name": name, "password": NEW_PASSWORD},
        )
        assert accepted.status_code == 200, accepted.text


@pytest.mark.parametrize("language", ["es", "sv"])
def test_users_invitations_and_the_audit_trail(new_page, system, language):
    words = WORDS[language]
    admin_email, admin_name = words["admin"]
    page = new_page(words["locale"])
    log_in(page, admin_email)
    page.goto("/account/users")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", name=words["users"])).to_be_visible()
    # A table, not every user's forms: no role select on the list.
    expect(page.locator("table.users-table")).to_be_visible()
    expect(page.locator("select[name=role]:not(#f-invite-role)")).to_have_count(0)

    # Search finds the administrator by name, and nobody for nonsense.
    page.locator("#f-user-search").fill(admin_name.split()[1])
    page.locator("form[role=search] button[type=submit]").click()
    expect(page.locator("table.users-table tbody tr")).to_have_count(1)
    expect(page.locator(f"tr[data-user='{admin_email}']")).to_be_visible()

    # Invite, send again, withdraw.
    leaver, leaver_name = f"leaver-{uuid.uuid4().hex[:6]}@example.com", f"Lea {uuid.uuid4().hex[:4]}"
    invite(page, leaver, leaver_name)
    expect(page.locator(".notice")).to_contain_text(words["invited_notice"])
    entry = page.locator(f"li[data-invitation='{leaver}']")
    entry.locator("form[action$='/resend'] button").click()
    expect(page.locator(".notice")).to_contain_text(words["resent"])
    system.inbox.wait_for(lambda m: leaver in m["To"] and len(system.inbox.to(leaver)) >= 2)
    page.locator(f"li[data-invitation='{leaver}'] form[action$='/withdraw'] button").click()
    expect(page.locator(".notice")).to_contain_text(words["withdrawn"])
    expect(page.locator(f"li[data-invitation='{leaver}']")).to_have_count(0)
    invitation_email = system.inbox.to(leaver)[0]
    assert admin_name in text_of(invitation_email)  # who invited

    # A newcomer accepts; the administrator changes the role on the newcomer's own page.
    newcomer, newcomer_name = f"new-{uuid.uuid4().hex[:6]}@example.com", f"Nils {uuid.uuid4().hex[:4]}"
    invite(page, newcomer, newcomer_name)
    accept_invitation(system, newcomer, newcomer_name)
    page.goto("/account/users")
    page.locator(f"tr[data-user='{newcomer}'] a").click()
    expect(page.locator("h1")).to_contain_text(newcomer_name)
    page.locator("form[data-action=change_role] select[name=role]").select_option("device_manager")
    page.locator("form[data-action=change_role] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account/users\?.*notice=role"))
    screenshot(page, f"users-{language}")

    # The audit trail: sentences with names, the old and new role, filtered by kind.
    page.goto("/account/audit")
    trail = page.locator("ol.audit-trail")
    expect(trail).to_contain_text(words["role_sentence"].format(name=newcomer_name))
    expect(trail).to_contain_text(words["role_change"])
    expect(trail).to_contain_text(words["invited_sentence"].format(name=leaver_name))
    page.locator("#f-kind").select_option(label=words["invitations_kind"])
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("ol.audit-trail > li")).not_to_have_count(0)
    actions = page.locator("ol.audit-trail > li").evaluate_all("items => items.map(i => i.dataset.action)")
    assert actions and all(action.startswith("invitation.") for action in actions), actions
    page.locator("#f-actor_id").select_option(label=admin_name)
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("ol.audit-trail")).to_contain_text(admin_name)
    screenshot(page, f"audit-{language}")

    # The newcomer's profile: the account's zone first; a password change ends the other session.
    elsewhere = new_page(words["locale"])
    log_in_with(elsewhere, newcomer, NEW_PASSWORD)
    me = new_page(words["locale"])
    log_in_with(me, newcomer, NEW_PASSWORD)
    me.goto("/profile")
    first_group = me.locator("#f-time_zone optgroup").first
    expect(first_group).to_have_attribute("label", words["own_zones"])
    assert me.locator("#f-time_zone option").count() < 100
    me.locator("#f-current_password").fill("not my password at all")
    me.locator("#f-new_password").fill(CHANGED_PASSWORD)
    me.locator("#f-new_password_again").fill(CHANGED_PASSWORD)
    me.locator("form[action='/profile/password'] button[type=submit]").click()
    expect(me.locator("#f-current_password-error")).to_contain_text(words["wrong_password"])
    me.locator("#f-current_password").fill(NEW_PASSWORD)
    me.locator("#f-new_password").fill(CHANGED_PASSWORD)
    me.locator("#f-new_password_again").fill(CHANGED_PASSWORD)
    me.locator("form[action='/profile/password'] button[type=submit]").click()
    expect(me.locator(".notice")).to_contain_text(words["password_changed"])
    me.goto("/devices")
    expect(me).not_to_have_url(re.compile(r"/login"))  # this session goes on
    elsewhere.goto("/profile")
    expect(elsewhere).to_have_url(re.compile(r"/login"))  # the other one has ended


def log_in_with(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(password)
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


@pytest.mark.parametrize("language", ["es", "sv"])
def test_a_waiting_registration_is_named_at_login_and_the_decision_emailed(new_page, system, language):
    words = WORDS[language]
    account_number, serial = words["account"]
    applicant = f"applicant-{uuid.uuid4().hex[:6]}@example.com"
    page = new_page(words["locale"])
    page.goto("/register")
    page.locator("#f-name").fill("Alba Applicant")
    page.locator("#f-email").fill(applicant)
    page.locator("#f-password").fill(NEW_PASSWORD)
    page.locator("#f-account_number").fill(account_number)
    page.locator("#f-serial").fill(serial)
    page.locator("form[action='/register'] button[type=submit]").click()
    [verification] = system.inbox.wait_for(lambda m: applicant in m["To"])
    page.goto(first_match(r"https?://[^\s]+/verify-email\?token=[^\s]+", text_of(verification)))
    page.locator("form[action='/verify-email'] button[type=submit]").click()

    page.goto("/login")
    page.locator("#f-email").fill(applicant)
    page.locator("#f-password").fill(NEW_PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page.locator(".error-summary")).to_contain_text(words["waiting"])

    admin = new_page(words["locale"])
    log_in(admin, words["admin"][0])
    admin.goto("/account/users")
    admin.get_by_role("link", name="Alba Applicant").click()
    admin.locator("form[action$='/approve'] button[type=submit]").click()
    expect(admin).to_have_url(re.compile(r"notice=approved"))
    [decided] = system.inbox.wait_for(
        lambda m: applicant in m["To"] and words["approved_subject"] in str(m["Subject"])
    )
    assert "/login" in text_of(decided)
    log_in_with(page, applicant, NEW_PASSWORD)
