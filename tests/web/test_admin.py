"""Administration pages in process: audit log, users, compartments, account and TOTP enrolment."""

import re
from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient

from conftest import PASSPHRASE
from functional.test_audit import tamper
from integration.test_compartments import new_compartment, person
from vigil.bootstrap import Settings, Vigil
from vigil.domain.records import Incident
from vigil.services.auditing import audit_entries
from vigil.services.dates import parse_date
from vigil.services.permissions import ROLES, allows
from vigil.services.person_search import find_persons
from vigil.services.recording import add_record
from vigil.web.app import SIGN_IN_FAILED, create_app
from web.test_web import csrf_of, only_script_files, sign_in

SEALED_NAME = "Ruslan Adminpagecheck"
NEW_PASSPHRASE = "a long new passphrase"


@pytest.fixture
def client(vigil: Vigil, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def user_of(role: str) -> str:
    """The fixture's administrator is "admin"; every other role gets a user of its name."""
    return role


def with_roles(vigil: Vigil) -> None:
    """Every role, a compartment "Team" with each of them, and a bystander "target"."""
    for role in ROLES:
        if role != "admin":
            vigil.add_user(user_of(role), role, PASSPHRASE, ("default",))
    vigil.add_user("target", "viewer", PASSPHRASE, ("default",))
    new_compartment(vigil, "Team", *[user_of(r) for r in ROLES if r != "admin"])


def secret_of(html: str) -> str:
    found = re.search(r'name="secret" value="([A-Z2-7]+)"', html)
    assert found, "no secret on the enrolment page"
    return found.group(1)


def another_browser(client: TestClient) -> TestClient:
    """A second browser on the same running application: its own cookies, the same sessions
    (entered without running the application's start-up and shut-down a second time)."""
    return TestClient(client.app)


def sign_in_with_code(
    client: TestClient, user: str, code: str | None, passphrase: str = PASSPHRASE
) -> int:
    token = csrf_of(client.get("/sign-in").text)
    data = {"csrf": token, "user": user, "passphrase": passphrase}
    if code is not None:
        data["totp"] = code
    return client.post("/sign-in", data=data, follow_redirects=False).status_code


def new_user_form(token: str, name: str, **changes: str) -> dict[str, str]:
    form = {
        "csrf": token,
        "name": name,
        "role": "viewer",
        "compartment:default": "on",
        "passphrase": NEW_PASSPHRASE,
        "passphrase_again": NEW_PASSPHRASE,
    }
    form.update(changes)
    return form


# (method, path, form fields, the permission the route needs; None: every signed-in user)
ROUTES: list[tuple[str, str, dict[str, str], str | None]] = [
    ("GET", "/audit", {}, "audit.read"),
    ("GET", "/admin/users", {}, "user.manage"),
    ("POST", "/admin/users", {"name": "newbie", "role": "viewer"}, "user.manage"),
    ("POST", "/admin/users/target/disable", {}, "user.manage"),
    ("POST", "/admin/users/target/enable", {}, "user.manage"),
    ("POST", "/admin/users/target/role", {"role": "documenter"}, "user.manage"),
    ("GET", "/admin/compartments", {}, None),
    ("POST", "/admin/compartments", {"name": "New desk"}, "compartment.manage"),
    ("POST", "/admin/compartments/Team/members", {"user": "target"}, "compartment.manage"),
    ("POST", "/admin/compartments/Team/members/target/remove", {}, "compartment.manage"),
    ("POST", "/admin/compartments/Team/rekey", {}, "compartment.rekey"),
    ("GET", "/account", {}, None),
    ("GET", "/account/totp", {}, None),
]


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_permissions_say(
    vigil: Vigil, client: TestClient, role: str
) -> None:
    with_roles(vigil)
    token = sign_in(client, user_of(role))
    for method, path, fields, permission in ROUTES:
        if method == "GET":
            response = client.get(path)
        else:
            data = {"csrf": token, **fields}
            if path == "/admin/users":
                data = new_user_form(token, "newbie")
            response = client.post(path, data=data)
        allowed = permission is None or allows(role, permission)
        assert response.status_code == (200 if allowed else 403), (path, response.text)
        if not allowed:
            assert "may not do this" in response.text
    users = client.get("/admin/users")
    if allows(role, "user.manage"):
        assert "newbie" in users.text
    else:
        assert users.status_code == 403
        with TestClient(create_app(vigil.settings)) as other:
            assert sign_in_with_code(other, "newbie", None, NEW_PASSPHRASE) == 401
    compartments = client.get("/admin/compartments").text
    assert ("New desk" in compartments) == allows(role, "compartment.manage")
    # everyone's enrolment works the same way
    secret = secret_of(client.get("/account/totp").text)
    confirmed = client.post(
        "/account/totp", data={"csrf": token, "secret": secret, "code": pyotp.TOTP(secret).now()}
    )
    assert confirmed.status_code == 200 and "One-time codes are on" in confirmed.text


def test_pages_need_a_session(client: TestClient) -> None:
    for method, path, _, _ in ROUTES:
        response = client.request(method, path, follow_redirects=False)
        assert response.status_code in (303, 403), path
        if method == "GET":
            assert response.headers["location"] == "/sign-in"


def test_every_post_needs_the_sessions_csrf_token_and_changes_nothing_without(
    vigil: Vigil, client: TestClient
) -> None:
    with_roles(vigil)
    sign_in(client)
    posts = [(path, fields) for method, path, fields, _ in ROUTES if method == "POST"]
    posts.append(("/account/totp", {"secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "code": "1"}))
    for path, fields in posts:
        base = new_user_form("", "newbie") if path == "/admin/users" else dict(fields)
        base.pop("csrf", None)
        for data in (base, {**base, "csrf": "forged"}):
            response = client.post(path, data=data)
            assert response.status_code == 403, path
            assert "The form has expired" in response.text
    users = client.get("/admin/users").text
    assert "newbie" not in users and "disabled" not in users
    compartments = client.get("/admin/compartments").text
    assert "New desk" not in compartments and "pending" not in compartments
    assert "One-time codes</dt>\n  <dd>off" in client.get("/account").text


def test_a_role_changed_in_the_web_ends_the_users_pages_and_is_audited(
    vigil: Vigil, client: TestClient
) -> None:
    with_roles(vigil)
    token = sign_in(client)
    browser = another_browser(client)
    assert sign_in_with_code(browser, "target", None) == 303
    assert browser.get("/records/new").status_code == 403  # a viewer does not write
    changed = client.post("/admin/users/target/role", data={"csrf": token, "role": "documenter"})
    assert changed.status_code == 200 and "target is now documenter" in changed.text
    assert browser.get("/records/new", follow_redirects=False).headers["location"] == "/sign-in"
    assert sign_in_with_code(browser, "target", None) == 303
    assert browser.get("/records/new").status_code == 200
    own = client.post("/admin/users/admin/role", data={"csrf": token, "role": "viewer"})
    assert own.status_code == 400 and "your own role" in own.text
    wrong = client.post("/admin/users/target/role", data={"csrf": token, "role": "emperor"})
    assert wrong.status_code == 400
    entries = list(audit_entries(vigil.workspace, vigil.store, action="user-role"))
    assert len(entries) == 1 and entries[0].details["to"] == "documenter"


def test_a_user_added_in_the_web_signs_in_in_another_browser(
    vigil: Vigil, settings: Settings, client: TestClient
) -> None:
    ws = vigil.workspace
    new_compartment(vigil, "Legal team")
    seen = add_record(ws, Incident("", "Detentions in Argun", parse_date("2017-03")))
    hidden = add_record(ws, Incident("", "Hidden case", parse_date("2017-03")), "Legal team")
    token = sign_in(client)
    page = client.get("/admin/users").text
    assert 'name="compartment:Legal team"' in page
    added = client.post("/admin/users", data=new_user_form(token, "amina", role="documenter"))
    assert added.status_code == 200 and "Added amina (documenter)" in added.text
    assert NEW_PASSPHRASE not in added.text
    browser = another_browser(client)
    assert sign_in_with_code(browser, "amina", None, NEW_PASSPHRASE) == 303
    account = browser.get("/account").text
    assert "amina" in account and "documenter" in account and "default" in account
    assert "Legal team" not in account
    incidents = browser.get("/incidents").text
    assert seen in incidents and hidden not in incidents
    # disabling ends her session at once and refuses the next sign-in
    client.post("/admin/users/amina/disable", data={"csrf": token})
    assert browser.get("/account", follow_redirects=False).status_code == 303
    assert sign_in_with_code(browser, "amina", None, NEW_PASSPHRASE) == 401
    client.post("/admin/users/amina/enable", data={"csrf": token})
    assert sign_in_with_code(browser, "amina", None, NEW_PASSPHRASE) == 303


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"role": "superuser"}, "Choose one of the roles."),
        ({"passphrase_again": "another passphrase"}, "The two passphrases differ."),
        ({"passphrase": "short", "passphrase_again": "short"}, "at least 8 characters"),
        ({"name": "no spaces please"}, "letters, digits"),
        ({"name": "admin"}, "The user admin already exists."),
        ({"compartment:Nowhere": "on"}, "you hold no key of compartment"),
    ],
)
def test_adding_a_user_refuses_bad_input_in_one_line(
    client: TestClient, changes: dict[str, str], message: str
) -> None:
    token = sign_in(client)
    response = client.post("/admin/users", data={**new_user_form(token, "newbie"), **changes})
    assert response.status_code == 400
    assert message in response.text
    assert "newbie" not in client.get("/admin/users").text.replace('value="newbie"', "")


def test_user_and_compartment_changes_refuse_bad_input(vigil: Vigil, client: TestClient) -> None:
    with_roles(vigil)
    token = sign_in(client)
    cases = [
        ("/admin/users/nobody/disable", {}, 400, "There is no user nobody."),
        ("/admin/users/admin/disable", {}, 400, "You cannot disable or enable your own"),
        ("/admin/compartments", {"name": "bad/name"}, 400, "use 1 to 64 letters"),
        ("/admin/compartments", {"name": "Team"}, 400, "already exists"),
        ("/admin/compartments/Team/members", {"user": "nobody"}, 400, "There is no user nobody"),
        ("/admin/compartments/Team/members", {"user": "viewer"}, 400, "already a member"),
        ("/admin/compartments/Team/members/target/remove", {}, 400, "is not a member"),
        ("/admin/compartments/Nowhere/members", {"user": "target"}, 404, "no compartment"),
        ("/admin/compartments/Nowhere/members/target/remove", {}, 404, "no compartment"),
        ("/admin/compartments/Nowhere/rekey", {}, 404, "no compartment"),
    ]
    for path, fields, status, message in cases:
        response = client.post(path, data={"csrf": token, **fields})
        assert response.status_code == status, (path, response.text)
        assert message in response.text, path


def test_removing_a_member_takes_effect_at_once(
    vigil: Vigil, settings: Settings, client: TestClient
) -> None:
    ws = vigil.workspace
    new_compartment(vigil, "Team")
    vigil.add_user("member", "documenter", PASSPHRASE, ("Team",))
    case = add_record(ws, Incident("", "Case of the team", parse_date("2018")), "Team")
    token = sign_in(client)
    browser = another_browser(client)
    sign_in(browser, "member")
    assert case in browser.get("/incidents").text
    removed = client.post("/admin/compartments/Team/members/member/remove", data={"csrf": token})
    assert removed.status_code == 200
    assert "Removed member from Team" in removed.text
    assert "A re-encryption is pending" in removed.text and "pending" in removed.text
    assert browser.get("/incidents", follow_redirects=False).status_code == 303
    sign_in(browser, "member")
    assert case not in browser.get("/incidents").text
    assert "Team" not in browser.get("/account").text
    rekeyed = client.post("/admin/compartments/Team/rekey", data={"csrf": token})
    assert rekeyed.status_code == 200
    assert "Re-encrypted 0 sealed sections of Team; 1 old key wraps deleted." in rekeyed.text
    assert case in client.get("/incidents").text


def test_the_recovery_reminder_follows_a_new_key(vigil: Vigil, client: TestClient) -> None:
    vigil.split_recovery(2, 3)
    token = sign_in(client)
    created = client.post("/admin/compartments", data={"csrf": token, "name": "Desk"})
    assert created.status_code == 200 and "vigil recovery wraps FILE" in created.text


def test_totp_enrolment_needs_a_matching_code_then_sign_in_asks_for_it(
    vigil: Vigil, settings: Settings, client: TestClient
) -> None:
    vigil.add_user("amina", "viewer", PASSPHRASE, ("default",))
    token = sign_in(client, "amina")
    page = client.get("/account/totp")
    assert page.status_code == 200
    secret = secret_of(page.text)
    assert f"secret={secret}" in page.text and "otpauth://totp/" in page.text
    assert "<svg" in page.text and only_script_files(page.text)
    wrong = str((int(pyotp.TOTP(secret).now()) + 500_000) % 1_000_000).zfill(6)
    refused = client.post("/account/totp", data={"csrf": token, "secret": secret, "code": wrong})
    assert refused.status_code == 400 and "does not match" in refused.text
    assert secret_of(refused.text) == secret
    tampered = client.post(
        "/account/totp", data={"csrf": token, "secret": "not base32!", "code": "123456"}
    )
    assert tampered.status_code == 400 and secret_of(tampered.text) != secret
    with TestClient(create_app(settings)) as browser:
        assert sign_in_with_code(browser, "amina", None) == 303  # nothing took effect yet
    code = pyotp.TOTP(secret).now()
    done = client.post("/account/totp", data={"csrf": token, "secret": secret, "code": code})
    assert done.status_code == 200 and "One-time codes are on" in done.text
    assert "One-time codes</dt>\n  <dd>on" in done.text
    with TestClient(create_app(settings)) as browser:
        assert sign_in_with_code(browser, "amina", None) == 401
        assert sign_in_with_code(browser, "amina", pyotp.TOTP(secret).now()) == 303
        assert "amina" in browser.get("/account").text
    with TestClient(create_app(settings)) as browser:
        token = csrf_of(browser.get("/sign-in").text)
        data = {"csrf": token, "user": "amina", "passphrase": PASSPHRASE, "totp": wrong}
        assert SIGN_IN_FAILED in browser.post("/sign-in", data=data).text


def test_the_audit_page_lists_what_was_just_done_newest_first(
    vigil: Vigil, client: TestClient
) -> None:
    with_roles(vigil)
    token = sign_in(client)
    client.post("/admin/users", data=new_user_form(token, "newbie"))
    client.post("/admin/users/target/disable", data={"csrf": token})
    client.post("/admin/compartments", data={"csrf": token, "name": "Desk"})
    client.post("/admin/compartments/Team/members/viewer/remove", data={"csrf": token})
    client.post("/admin/compartments/Team/rekey", data={"csrf": token})
    page = client.get("/audit")
    assert page.status_code == 200
    assert "Audit log intact" in page.text
    actions = re.findall(r'<td class="action">([^<]*)</td>', page.text)
    order = ["rekey", "member-remove", "compartment-create", "user-disable", "user-add"]
    assert [a for a in actions if a in order][:5] == order
    only = client.get("/audit", params={"action": "user-add"}).text
    assert "user=newbie" in only and "compartment-create" not in only
    by_user = client.get("/audit", params={"user": "nobody-at-all"}).text
    assert "No entries match." in by_user


def test_the_audit_page_shows_a_broken_chain(
    vigil: Vigil, settings: Settings, client: TestClient
) -> None:
    sign_in(client)
    assert "Audit log intact" in client.get("/audit").text
    tamper(settings, "UPDATE audit_entry SET actor = 'someone-else' WHERE seq = 1")
    page = client.get("/audit").text
    assert "Audit log intact" not in page
    assert "The audit log has been tampered with" in page and "hash-mismatch" in page


def test_the_audit_page_pages_through_a_long_log(vigil: Vigil, client: TestClient) -> None:
    for n in range(60):
        vigil.workspace.record_event("test-event", None, {"n": str(n)})
    sign_in(client)
    first = client.get("/audit", params={"action": "test-event"}).text
    assert "n=59" in first and "n=10<" in first and "n=9<" not in first
    assert "page 1 of 2" in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/audit", params={"action": "test-event", "page": "2"}).text
    assert "n=9<" in second and "n=0<" in second and "n=59" not in second
    assert 'rel="prev"' in second


def test_no_sealed_name_reaches_an_administration_page(vigil: Vigil, client: TestClient) -> None:
    with_roles(vigil)
    add_record(vigil.workspace, person(SEALED_NAME), "Team")
    add_record(vigil.workspace, person(SEALED_NAME))
    assert find_persons(vigil.workspace, SEALED_NAME)  # a search is audited without the name
    token = sign_in(client)
    pages = [
        client.post("/admin/compartments/Team/members/viewer/remove", data={"csrf": token}),
        client.post("/admin/compartments/Team/rekey", data={"csrf": token}),
    ]
    print(re.findall(r"role=\"(?:status|alert)\">([^<]*)<", pages[0].text + pages[1].text))
    assert re.search(r"Re-encrypted [1-9][0-9]* sealed sections of Team", pages[1].text)
    for path in ("/audit", "/admin/users", "/admin/compartments", "/account", "/account/totp"):
        pages.append(client.get(path))
    assert '<td class="action">search</td>' in pages[2].text
    for response in pages:
        assert response.status_code == 200
        for part in SEALED_NAME.split():
            assert part not in response.text
