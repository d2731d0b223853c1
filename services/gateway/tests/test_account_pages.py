"""Account administration pages (F-01 approval, F-02 invitations, F-34): the users page, a registration awaiting
approval and the audit trail. The accounts service is a fake with its refusals (see gateway_fakes); what is under
test is what the pages send, show and keep, in the administrator's language."""

import re

import pytest

from services.gateway.tests.gateway_fakes import ACCOUNT_ID, DEVICE_ID, csrf_of, log_in, submit

ACCOUNTS = "/api/accounts/v1"
USERS_PAGE = f"/account/users?account_id={ACCOUNT_ID}"


def member(user_id: str, name: str, role: str, **extra) -> dict:
    return {
        "user_id": user_id,
        "email": f"{user_id}@example.com",
        "name": name,
        "role": role,
        "active": True,
        "device_ids": [],
        "invited": False,
        **extra,
    }


@pytest.fixture(autouse=True)
def account_data(fakes):
    fakes.account_users = [
        member("user-1", "Ana García", "administrator"),
        member("user-2", "Bo Ek", "device_manager", device_ids=[DEVICE_ID]),
        member(
            "user-3",
            "",
            "knowledge_user",
            email="new@example.com",
            invited=True,
            invitation_id="inv-3",
            invitation_expires_at="2030-07-08T08:00:00+00:00",
        ),
    ]
    fakes.registrations = [
        {
            "id": "reg-1",
            "account_id": ACCOUNT_ID,
            "account_number": "100200",
            "account_name": "Acme SL",
            "name": "Carla Ruiz",
            "email": "carla@example.com",
            "language": "es",
            "serial": "SN-4711",
            "status": "awaiting_approval",
            "created_at": "2030-07-01T08:00:00+00:00",
        }
    ]
    fakes.audit = [
        {
            "at": f"2030-07-01T{hour:02d}:00:00+00:00",
            "actor_id": "user-1",
            "actor_name": "Ana García",
            "action": "membership.set",
            "target_type": "user",
            "target_id": "user-2",
            "target_name": "Bo Ek",
            "names": {"user-2": "Bo Ek"},
            "details": {"role": "stock_manager"},
            "old_values": {"role": "device_manager"},
            "new_values": {"role": "stock_manager"},
            "correlation_id": f"req-{hour}",
        }
        for hour in range(23, -1, -1)
    ]


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', html, re.DOTALL)
    assert match, f"no error next to {field_id}"
    assert re.search(rf'id="{field_id}"[^>]*aria-describedby="{field_id}-error"', html), field_id
    return match.group(1)


def checked(html: str, field_id: str) -> bool:
    match = re.search(rf'<input type="checkbox" id="{field_id}"[^>]*>', html)
    assert match, f"no checkbox {field_id}"
    return "checked" in match.group(0)


@pytest.mark.parametrize(
    "language, phrases",
    [
        (
            "es",
            [
                "Usuarios de la cuenta",
                "Invitar a un usuario",
                "Gestor de productos",
                "Invitado",
                "Registros pendientes de aprobación",
                "Entiendo que el usuario pierde el acceso de inmediato",
            ],
        ),
        (
            "sv",
            [
                "Kontots användare",
                "Bjud in en användare",
                "Enhetsansvarig",
                "Inbjuden",
                "Registreringar som väntar på godkännande",
                "Jag förstår att användaren förlorar åtkomsten direkt",
            ],
        ),
    ],
)
async def test_the_users_page_in_the_administrator_language(gateway, fakes, language, phrases):
    fakes.me["language"] = language
    await log_in(gateway)
    response = await gateway.get("/account/users")
    assert response.status_code == 200
    html = response.text
    for phrase in phrases[:-1]:
        assert phrase in html, phrase
    assert "Bo Ek" in html and "user-2@example.com" in html and 'href="/registrations/reg-1"' in html
    assert 'href="/account/users" aria-current="page"' in html  # the navigation link, for administrators
    # A table with an edit link per user, not every user's forms at once.
    assert 'id="f-invite-email"' in html and 'id="f-u-user-2-role"' not in html
    assert f'href="/account/users/user-2?account_id={ACCOUNT_ID}"' in html
    assert "/account/users/user-3?" not in html  # an open invitation has nothing to edit yet
    assert 'action="/account/invitations/inv-3/resend"' in html
    assert 'action="/account/invitations/inv-3/withdraw"' in html
    user_page = (await gateway.get(f"/account/users/user-2?account_id={ACCOUNT_ID}")).text
    assert 'id="f-u-user-2-role"' in user_page and checked(user_page, f"f-u-user-2-device_ids-{DEVICE_ID}")
    assert phrases[-1] in user_page


async def test_the_users_table_is_searched_by_name_and_email(logged_in):
    html = (await logged_in.get(f"{USERS_PAGE}&q=bo+ek")).text
    assert 'data-user="user-2@example.com"' in html and 'data-user="user-1@example.com"' not in html
    by_email = (await logged_in.get(f"{USERS_PAGE}&q=USER-1@")).text
    assert 'data-user="user-1@example.com"' in by_email and 'data-user="user-2@example.com"' not in by_email
    nobody = (await logged_in.get(f"{USERS_PAGE}&q=zzz")).text
    assert "No user matches “zzz”." in nobody


async def test_an_invitation_is_sent_again_or_withdrawn(logged_in, fakes):
    resent = await submit(
        logged_in, USERS_PAGE, "/account/invitations/inv-3/resend", {"account_id": ACCOUNT_ID}
    )
    assert resent.status_code == 303 and resent.headers["location"] == f"{USERS_PAGE}&notice=resent"
    assert fakes.of("accounts", "POST", f"{ACCOUNTS}/accounts/{ACCOUNT_ID}/invitations/inv-3/resend")
    withdrawn = await submit(
        logged_in, USERS_PAGE, "/account/invitations/inv-3/withdraw", {"account_id": ACCOUNT_ID}
    )
    assert withdrawn.headers["location"] == f"{USERS_PAGE}&notice=withdrawn"
    page = (await logged_in.get(withdrawn.headers["location"])).text
    assert "its link no longer works" in page and "inv-3" not in page
    again = await submit(
        logged_in, USERS_PAGE, "/account/invitations/inv-3/resend", {"account_id": ACCOUNT_ID}
    )
    assert again.status_code == 409
    assert "already accepted, cancelled or expired" in again.text
    unknown = await submit(
        logged_in, USERS_PAGE, "/account/invitations/inv-3/forward", {"account_id": ACCOUNT_ID}
    )
    assert unknown.status_code == 404


@pytest.mark.parametrize("role", ["device_manager", "knowledge_user"])
async def test_other_roles_get_403_and_no_link(gateway, fakes, role):
    fakes.role = role
    await log_in(gateway)
    for path in (
        "/account/users",
        "/account/audit",
        "/registrations/reg-1",
        "/account/users?account_id=acc-2",
        "/account/users/user-2",
        f"/account/users/user-2?account_id={ACCOUNT_ID}",
    ):
        response = await gateway.get(path)
        assert response.status_code == 403 and "Access denied" in response.text, path
    page = await gateway.get("/profile")
    for action in ("/account/invitations/inv-3/resend", "/account/invitations/inv-3/withdraw"):
        refused = await gateway.post(
            action, data={"csrf_token": csrf_of(page.text), "account_id": ACCOUNT_ID}
        )
        assert refused.status_code == 403, action
    assert not fakes.of("accounts", "POST", f"{ACCOUNTS}/accounts/{ACCOUNT_ID}/invitations/inv-3/resend")
    assert not fakes.of("accounts", "DELETE", f"{ACCOUNTS}/accounts/{ACCOUNT_ID}/invitations/inv-3")
    assert 'href="/account/users"' not in (await gateway.get("/")).text
    assert not fakes.of("accounts", "GET", f"{ACCOUNTS}/accounts/{ACCOUNT_ID}/users")


async def test_an_administrator_cannot_pick_an_account_they_do_not_administer(logged_in):
    assert (await logged_in.get("/account/users/user-2?account_id=acc-2")).status_code == 403
    assert (await logged_in.get(f"/account/users/nobody?account_id={ACCOUNT_ID}")).status_code == 404
    response = await logged_in.get("/account/users?account_id=acc-2")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "language, phrases",
    [
        ("es", ["Registro pendiente de aprobación", "Carla Ruiz", "Aprobar", "Rechazar", "Función"]),
        ("sv", ["Registrering som väntar på godkännande", "Carla Ruiz", "Godkänn", "Avslå", "Roll"]),
    ],
)
async def test_the_registration_page_in_the_administrator_language(gateway, fakes, language, phrases):
    fakes.me["language"] = language
    await log_in(gateway)
    response = await gateway.get("/registrations/reg-1")
    assert response.status_code == 200
    for phrase in phrases:
        assert phrase in response.text, phrase
    assert f'id="f-device_ids-{DEVICE_ID}"' in response.text and 'id="f-role"' in response.text


async def test_an_unknown_registration_is_a_404_page(logged_in):
    response = await logged_in.get("/registrations/nope")
    assert response.status_code == 404 and "Page not found" in response.text


async def test_approve_sends_the_role_and_devices_and_returns_to_the_users(logged_in, fakes):
    response = await submit(
        logged_in,
        "/registrations/reg-1",
        "/registrations/reg-1/approve",
        {"role": "stock_manager", "device_ids": DEVICE_ID},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{USERS_PAGE}&notice=approved"
    assert fakes.of("accounts", "POST", f"{ACCOUNTS}/registrations/reg-1/approve")[0].body == {
        "role": "stock_manager",
        "device_ids": [DEVICE_ID],
    }
    page = await logged_in.get(response.headers["location"])
    assert "The registration has been approved." in page.text and "No registrations are awaiting" in page.text


async def test_refuse_returns_to_the_users_with_a_notice(logged_in, fakes):
    response = await submit(logged_in, "/registrations/reg-1", "/registrations/reg-1/refuse", {})
    assert response.headers["location"] == f"{USERS_PAGE}&notice=refused"
    assert fakes.of("accounts", "POST", f"{ACCOUNTS}/registrations/reg-1/refuse")
    assert "The registration has been refused." in (await logged_in.get(response.headers["location"])).text


async def test_a_refused_approval_names_the_devices_and_keeps_the_choice(logged_in):
    response = await submit(
        logged_in,
        "/registrations/reg-1",
        "/registrations/reg-1/approve",
        {"role": "device_stock_manager", "device_ids": [DEVICE_ID, "dev-other"]},
    )
    assert response.status_code == 422
    html = response.text
    assert "Choose devices of this account only." in field_error(html, "f-device_ids")
    assert re.search(r'<option value="device_stock_manager"\s+selected', html)
    assert checked(html, f"f-device_ids-{DEVICE_ID}")
    assert 'role="alert"' in html


async def test_an_invitation_is_sent_with_role_and_devices(logged_in, fakes):
    response = await submit(
        logged_in,
        USERS_PAGE,
        "/account/users/invite",
        {
            "account_id": ACCOUNT_ID,
            "email": "dan@example.com",
            "name": "",
            "role": "device_manager",
            "device_ids": DEVICE_ID,
        },
    )
    assert response.status_code == 303 and response.headers["location"] == f"{USERS_PAGE}&notice=invited"
    assert fakes.of("accounts", "POST", f"{ACCOUNTS}/accounts/{ACCOUNT_ID}/invitations")[0].body == {
        "email": "dan@example.com",
        "name": None,
        "role": "device_manager",
        "device_ids": [DEVICE_ID],
    }
    assert "The invitation has been sent." in (await logged_in.get(response.headers["location"])).text


async def test_inviting_a_member_again_is_shown_next_to_the_email_with_the_values_kept(logged_in):
    response = await submit(
        logged_in,
        USERS_PAGE,
        "/account/users/invite",
        {
            "account_id": ACCOUNT_ID,
            "email": "user-2@example.com",
            "name": "Bo <Ek>",
            "role": "stock_manager",
            "device_ids": DEVICE_ID,
        },
    )
    assert response.status_code == 409
    html = response.text
    assert "already a user of this account" in field_error(html, "f-invite-email")
    assert 'value="user-2@example.com"' in html and 'value="Bo &lt;Ek&gt;"' in html
    assert re.search(
        r'id="f-invite-role"[^>]*>\s*(<option[^>]*>[^<]*</option>\s*)*?'
        r'<option value="stock_manager"\s+selected',
        html,
    )
    assert checked(html, f"f-invite-device_ids-{DEVICE_ID}")


async def test_an_unknown_device_in_an_invitation_is_named(logged_in):
    response = await submit(
        logged_in,
        USERS_PAGE,
        "/account/users/invite",
        {
            "account_id": ACCOUNT_ID,
            "email": "dan@example.com",
            "role": "device_manager",
            "device_ids": "dev-x",
        },
    )
    assert response.status_code == 422
    assert "Choose devices of this account only." in field_error(response.text, "f-invite-device_ids")


async def test_role_change_and_the_last_administrator(logged_in, fakes):
    saved = await submit(
        logged_in,
        USERS_PAGE,
        "/account/users/user-2/role",
        {"account_id": ACCOUNT_ID, "role": "stock_manager"},
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"{USERS_PAGE}&notice=role"
    assert fakes.of("accounts", "PATCH", f"{ACCOUNTS}/accounts/{ACCOUNT_ID}/users/user-2")[0].body == {
        "role": "stock_manager"
    }
    refused = await submit(
        logged_in,
        USERS_PAGE,
        "/account/users/user-1/role",
        {"account_id": ACCOUNT_ID, "role": "knowledge_user"},
    )
    assert refused.status_code == 409
    html = refused.text
    assert "must keep at least one active administrator" in field_error(html, "f-u-user-1-role")
    assert re.search(
        r'id="f-u-user-1-role"[^>]*>.*?<option value="knowledge_user"\s+selected', html, re.DOTALL
    )


async def test_device_assignment_is_saved_and_a_refusal_keeps_the_ticks(logged_in, fakes):
    saved = await submit(logged_in, USERS_PAGE, "/account/users/user-2/devices", {"account_id": ACCOUNT_ID})
    assert saved.headers["location"] == f"{USERS_PAGE}&notice=devices"
    assert fakes.of("accounts", "PUT", f"{ACCOUNTS}/accounts/{ACCOUNT_ID}/users/user-2/devices")[0].body == {
        "device_ids": []
    }
    refused = await submit(
        logged_in,
        USERS_PAGE,
        "/account/users/user-2/devices",
        {"account_id": ACCOUNT_ID, "device_ids": [DEVICE_ID, "dev-x"]},
    )
    assert refused.status_code == 422
    assert "Choose devices of this account only." in field_error(refused.text, "f-u-user-2-device_ids")
    assert checked(refused.text, f"f-u-user-2-device_ids-{DEVICE_ID}")


async def test_deactivation_requires_the_confirmation(logged_in, fakes):
    path = f"{ACCOUNTS}/accounts/{ACCOUNT_ID}/users/user-2/deactivate"
    unconfirmed = await submit(
        logged_in, USERS_PAGE, "/account/users/user-2/deactivate", {"account_id": ACCOUNT_ID}
    )
    assert unconfirmed.status_code == 422
    assert "Tick the box" in field_error(unconfirmed.text, "f-u-user-2-confirm")
    assert not fakes.of("accounts", "POST", path)
    done = await submit(
        logged_in,
        USERS_PAGE,
        "/account/users/user-2/deactivate",
        {"account_id": ACCOUNT_ID, "confirm": "yes"},
    )
    assert done.status_code == 303 and done.headers["location"] == f"{USERS_PAGE}&notice=deactivated"
    assert fakes.of("accounts", "POST", path)
    page = (await logged_in.get(done.headers["location"])).text
    assert "no longer has access" in page and 'id="f-u-user-2-confirm"' not in page


async def test_deactivating_oneself_is_refused_next_to_the_confirmation(logged_in):
    response = await submit(
        logged_in,
        USERS_PAGE,
        "/account/users/user-1/deactivate",
        {"account_id": ACCOUNT_ID, "confirm": "yes"},
    )
    assert response.status_code == 409
    assert "You cannot deactivate yourself" in field_error(response.text, "f-u-user-1-confirm")


async def test_forms_without_the_csrf_token_are_refused(logged_in, fakes):
    response = await logged_in.post(
        "/account/users/user-2/deactivate", data={"account_id": ACCOUNT_ID, "confirm": "yes"}
    )
    assert response.status_code == 403
    assert not fakes.of("accounts", "POST", f"{ACCOUNTS}/accounts/{ACCOUNT_ID}/users/user-2/deactivate")


async def test_the_audit_trail_pages(logged_in, fakes):
    first = await logged_in.get("/account/audit")
    assert first.status_code == 200
    html = first.text
    assert "Page 1 of 2" in html and "Stock Manager" in html
    assert "Role: Device Manager → Stock Manager" in html  # the old and the new value
    assert f"account_id={ACCOUNT_ID}&amp;page=2" in html
    assert html.count('<li data-action="membership.set">') == 20
    assert "Ana García gave Bo Ek the role Stock Manager" in html  # a sentence with names, not ids
    second = await logged_in.get(f"/account/audit?account_id={ACCOUNT_ID}&page=2")
    assert "Page 2 of 2" in second.text and second.text.count('<li data-action="membership.set">') == 4
    assert (
        "limit=20&offset=20"
        in fakes.of("accounts", "GET", f"{ACCOUNTS}/accounts/{ACCOUNT_ID}/audit")[-1].query
    )


@pytest.mark.parametrize(
    "language, phrases",
    [
        (
            "es",
            ["Registro de cambios", "Ana García dio a Bo Ek el rol Gestor de existencias", "1/7/30, 10:00"],
        ),
        ("sv", ["Ändringslogg", "Ana García gav Bo Ek rollen Lageransvarig", "2030-07-01 10:00"]),
    ],
)
async def test_the_audit_trail_in_the_user_locale_and_time_zone(gateway, fakes, language, phrases):
    fakes.me["language"] = language
    await log_in(gateway)
    html = (await gateway.get("/account/audit")).text
    for phrase in phrases:
        assert phrase in html, phrase  # 08:00 UTC is 10:00 in Madrid (the profile's time zone) in summer


async def test_staff_decide_registrations_of_any_account(gateway, fakes):
    fakes.staff_role, fakes.role = "agent", "knowledge_user"
    await log_in(gateway)
    page = await gateway.get("/registrations/reg-1")
    assert page.status_code == 200
    approved = await gateway.post(
        "/registrations/reg-1/approve", data={"csrf_token": csrf_of(page.text), "role": "administrator"}
    )
    assert approved.headers["location"] == f"{USERS_PAGE}&notice=approved"
    assert (await gateway.get(approved.headers["location"])).status_code == 200


@pytest.mark.parametrize(
    "language, phrases",
    [
        (
            "es",
            [
                "Función anterior: —",
                "Ana García dio a Bo Ek el rol Gestor de existencias",
                "Ana García cambió el perfil de Bo Ek",
                "Nombre: Bo → Bo Ek",
                "Ana García actualizó los datos de la cuenta",
                "Sí",
            ],
        ),
        (
            "sv",
            [
                "Tidigare roll: —",
                "Ana García gav Bo Ek rollen Lageransvarig",
                "Ana García ändrade profilen för Bo Ek",
                "Namn: Bo → Bo Ek",
                "Ana García uppdaterade kontots uppgifter",
                "Ja",
            ],
        ),
    ],
)
async def test_audit_details_are_named_in_the_user_language(gateway, fakes, language, phrases):
    entry = {
        "at": "2030-07-01T08:00:00+00:00",
        "actor_id": "user-1",
        "actor_name": "Ana García",
        "target_id": "user-2",
        "target_name": "Bo Ek",
        "names": {"user-2": "Bo Ek"},
        "old_values": {},
        "new_values": {},
        "correlation_id": "req-1",
    }
    fakes.audit = [
        {
            **entry,
            "action": "membership.set",
            "target_type": "user",
            "details": {"role": "stock_manager", "previous_role": None},
        },
        {
            **entry,
            "action": "user.profile_changed",
            "target_type": "user",
            "details": {"fields": ["name"]},
            "old_values": {"name": "Bo"},
            "new_values": {"name": "Bo Ek"},
        },
        {
            **entry,
            "action": "account.upserted",
            "target_type": "account",
            "details": {"account": ACCOUNT_ID, "active": True},
        },
    ]
    fakes.me["language"] = language
    await log_in(gateway)
    html = (await gateway.get("/account/audit")).text
    for phrase in phrases:
        assert phrase in html, phrase
    for code in ("previous_role", "stock_manager", "user-2", "None", "True"):
        assert code not in html.split('class="audit-trail"')[1], code


@pytest.mark.parametrize(
    "language, notice", [("es", "Se ha enviado la invitación."), ("sv", "Inbjudan har skickats.")]
)
async def test_a_success_notice_is_in_the_user_language(gateway, fakes, language, notice):
    fakes.me["language"] = language
    await log_in(gateway)
    html = (await gateway.get(f"{USERS_PAGE}&notice=invited")).text
    assert notice in html and "The invitation has been sent." not in html


async def test_the_audit_trail_is_filtered_by_person_kind_and_period(logged_in, fakes):
    html = (
        await logged_in.get(
            f"/account/audit?account_id={ACCOUNT_ID}&actor_id=user-1&kind=membership&since=2030-07-01&until=2030-07-02"
        )
    ).text
    query = fakes.of("accounts", "GET", f"{ACCOUNTS}/accounts/{ACCOUNT_ID}/audit")[-1].query
    for sent in ("actor_id=user-1", "kind=membership", "since=2030-07-01", "until=2030-07-02"):
        assert sent in query, sent
    assert re.search(r'<option value="user-1"\s+selected>Ana García</option>', html)
    assert re.search(r'<option value="membership"\s+selected>', html)
    assert "actor_id=user-1&amp;kind=membership" in html  # the pager keeps the filter
    refused = await logged_in.get(f"/account/audit?account_id={ACCOUNT_ID}&since=2030-07-02&until=2030-07-01")
    assert refused.status_code == 422
    assert "The last day must not be before the first." in field_error(refused.text, "f-until")
