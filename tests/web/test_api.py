"""The JSON API in process: tokens, scopes, compartments, refusals, rate limits, sealed data."""

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import PASSPHRASE
from integration.test_compartments import new_compartment, person
from vigil.bootstrap import Settings, Vigil
from vigil.domain.records import Act, Incident, Place
from vigil.services import accounts, compartments
from vigil.services.dates import parse_date
from vigil.services.permissions import ROLES, NotAllowed, allows
from vigil.services.recording import add_record, show
from vigil.services.workspace import utc_now
from vigil.web.api.limits import Limits, SlidingWindow, TokenSessions
from vigil.web.app import create_app
from web.test_web import only_script_files, sign_in

SEALED_NAME = "Zelimkhan Tokencheck"


@pytest.fixture
def client(vigil: Vigil, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def bearer(text: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {text}"}


def token_of(
    settings: Settings,
    user: str,
    scope: str = "read",
    compartments: tuple[str, ...] = ("default",),
    days: int = 30,
    reveal: bool = False,
) -> str:
    """Sign in as a user in a second instance object and make a token for them."""
    member = Vigil.open(settings)
    try:
        member.sign_in(user, PASSPHRASE)
        return member.create_token("script", scope, compartments, days, reveal).text
    finally:
        member.close()


def api(client: TestClient) -> Any:
    return client.app.state.api.state  # type: ignore[attr-defined]


def assert_never_named(*texts: str) -> None:
    for text in texts:
        for part in SEALED_NAME.split():
            assert part not in text


def test_a_read_token_lists_and_shows_records_without_their_sealed_part(
    vigil: Vigil, client: TestClient
) -> None:
    ws = vigil.workspace
    victim = add_record(ws, person(SEALED_NAME))
    incident = add_record(ws, Incident("", "Detention", parse_date("2017-03")))
    act = add_record(ws, Act("", incident, "secret-detention", victim_person=victim))
    headers = bearer(vigil.create_token("script", "read", ["default"]).text)
    people = client.get("/api/v1/records", params={"kind": "person"}, headers=headers)
    shown = client.get(f"/api/v1/records/{victim}", headers=headers)
    acts = client.get("/api/v1/records", params={"kind": "act"}, headers=headers)
    summary = client.get("/api/v1/overview", headers=headers)
    terms = client.get("/api/v1/vocabularies/act-type", headers=headers)
    for response in (people, shown, acts, summary, terms):
        assert response.status_code == 200, response.text
    assert [r["code"] for r in people.json()["records"]] == [victim]
    assert shown.json()["sealed"] == "sealed" and shown.json()["fields"]["identity"] is None
    assert acts.json()["records"][0]["code"] == act
    assert summary.json()["records"]["incident"] == 1
    assert any(t["code"] == "secret-detention" for t in terms.json()["terms"])
    assert_never_named(people.text, shown.text, acts.text, summary.text)


def test_requests_without_a_valid_token_are_refused(vigil: Vigil, client: TestClient) -> None:
    text = vigil.create_token("script", "read", ["default"]).text
    wrong_secret = text[:-4] + ("AAAA" if not text.endswith("AAAA") else "BBBB")
    for headers in ({}, bearer("nonsense"), bearer(wrong_secret), {"Authorization": text}):
        response = client.get("/api/v1/records", headers=headers)
        assert response.status_code == 401
        assert set(response.json()) == {"error"}
        assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/records", headers=bearer(text)).status_code == 200


def test_a_read_only_token_may_not_write(vigil: Vigil, client: TestClient) -> None:
    place = add_record(vigil.workspace, Place("", "Argun", "town"))
    headers = bearer(vigil.create_token("script", "read", ["default"]).text)
    new = {"kind": "place", "fields": {"name": "Gudermes", "kind": "town"}}
    created = client.post("/api/v1/records", json=new, headers=headers)
    edited = client.patch(
        f"/api/v1/records/{place}", json={"changes": {"name": "Grozny"}}, headers=headers
    )
    assert created.status_code == 403 and "record.write" in created.json()["error"]
    assert edited.status_code == 403
    listed = client.get("/api/v1/records", params={"kind": "place"}, headers=headers).json()
    assert [r["fields"]["name"] for r in listed["records"]] == ["Argun"]


def test_a_read_write_token_adds_and_edits_records_and_seals_identities(
    vigil: Vigil, client: TestClient
) -> None:
    headers = bearer(vigil.create_token("script", "read-write", ["default"]).text)
    body = {
        "kind": "person",
        "fields": {"description": "a witness", "identity": {"names": [SEALED_NAME]}},
    }
    created = client.post("/api/v1/records", json=body, headers=headers)
    assert created.status_code == 201, created.text
    code = created.json()["code"]
    shown = client.get(f"/api/v1/records/{code}", headers=headers)
    assert shown.json()["sealed"] == "sealed"
    revealed = show(vigil.workspace, code, reveal=True).record
    assert revealed.identity.names == (SEALED_NAME,)
    edited = client.patch(
        f"/api/v1/records/{code}",
        json={"changes": {"description": "a witness in Argun"}, "note": "from the hotline"},
        headers=headers,
    )
    assert edited.status_code == 200 and edited.json() == {"code": code, "version": 2}
    again = show(vigil.workspace, code, reveal=True)
    assert again.record.identity.names == (SEALED_NAME,)
    assert again.record.description == "a witness in Argun"
    assert_never_named(created.text, shown.text, edited.text)


def test_only_a_reveal_token_opens_a_sealed_section_and_every_opening_is_audited(
    vigil: Vigil, client: TestClient
) -> None:
    code = add_record(vigil.workspace, person(SEALED_NAME))
    plain = bearer(vigil.create_token("plain", "read-write", ["default"]).text)
    refused = client.get(f"/api/v1/records/{code}", params={"reveal": "true"}, headers=plain)
    assert refused.status_code == 403 and "sealed.reveal" in refused.json()["error"]
    assert_never_named(refused.text)
    revealer = vigil.create_token("reveal", "read", ["default"], reveal=True)
    revealing, revealing_id = bearer(revealer.text), revealer.row.id
    kept = client.get(f"/api/v1/records/{code}", headers=revealing)
    assert kept.json()["sealed"] == "sealed"
    assert_never_named(kept.text)
    opened = client.get(f"/api/v1/records/{code}", params={"reveal": "true"}, headers=revealing)
    assert opened.status_code == 200 and opened.json()["sealed"] == "revealed"
    assert opened.json()["fields"]["identity"]["names"] == [SEALED_NAME]
    entries = [
        (row.action, row.details.get("token")) for row in vigil.store.audit_rows(record=code)
    ]
    assert entries == [("create", None), ("reveal", revealing_id)]
    assert all(SEALED_NAME not in repr(row) for row in vigil.store.audit_rows())


def test_a_token_finds_persons_by_name_in_its_compartments_without_names(
    vigil: Vigil, client: TestClient
) -> None:
    new_compartment(vigil, "Hotline 2017")
    new_compartment(vigil, "Legal team")
    seen = add_record(vigil.workspace, person(SEALED_NAME), "Hotline 2017")
    add_record(vigil.workspace, person(SEALED_NAME), "Legal team")
    plain = bearer(vigil.create_token("plain", "read", ["Hotline 2017"]).text)
    query = {"name": SEALED_NAME.lower()}
    found = client.post("/api/v1/persons/find", json=query, headers=plain)
    assert found.status_code == 200, found.text
    assert [(m["code"], m["names"]) for m in found.json()["matches"]] == [(seen, [])]
    assert_never_named(found.text)
    refused = client.post("/api/v1/persons/find", json={**query, "reveal": True}, headers=plain)
    assert refused.status_code == 403
    assert_never_named(refused.text)
    revealing = vigil.create_token("reveal", "read", ["Hotline 2017"], reveal=True).text
    opened = client.post(
        "/api/v1/persons/find", json={**query, "reveal": True}, headers=bearer(revealing)
    )
    assert opened.json()["matches"][0]["names"] == [SEALED_NAME]
    empty = client.post("/api/v1/persons/find", json={"name": "?"}, headers=plain)
    assert empty.status_code == 400 and set(empty.json()) == {"error"}


def test_a_token_sees_nothing_of_a_compartment_it_was_not_given(
    vigil: Vigil, settings: Settings, client: TestClient
) -> None:
    new_compartment(vigil, "Hotline 2017")
    new_compartment(vigil, "Legal team")
    ws = vigil.workspace
    seen = add_record(
        ws, Incident("", "Detentions in Argun", parse_date("2017-03")), "Hotline 2017"
    )
    hidden = add_record(ws, Incident("", "Hidden case", parse_date("2017-03")), "Legal team")
    secret = add_record(ws, person(SEALED_NAME), "Legal team")
    headers = bearer(vigil.create_token("script", "read-write", ["Hotline 2017"]).text)
    listed = client.get("/api/v1/records", headers=headers)
    assert [r["code"] for r in listed.json()["records"]] == [seen]
    for code in (hidden, secret):
        assert client.get(f"/api/v1/records/{code}", headers=headers).status_code == 404
        patch = {"changes": {"description": "x"}}
        assert (
            client.patch(f"/api/v1/records/{code}", json=patch, headers=headers).status_code == 404
        )
    into = {"kind": "place", "compartment": "Legal team", "fields": {"name": "X", "kind": "town"}}
    assert client.post("/api/v1/records", json=into, headers=headers).status_code == 403
    assert client.get("/api/v1/overview", headers=headers).json()["records"]["incident"] == 1
    assert "Hidden case" not in listed.text


@pytest.mark.parametrize("role", ROLES)
def test_a_token_never_does_more_than_its_users_role(
    vigil: Vigil, settings: Settings, client: TestClient, role: str
) -> None:
    vigil.add_user("member", role, PASSPHRASE, ("default",))
    town = add_record(vigil.workspace, Place("", "Argun", "town"))
    victim = add_record(vigil.workspace, person(SEALED_NAME))
    place = {"kind": "place", "fields": {"name": "Gudermes", "kind": "town"}}
    rename = {"changes": {"name": "Argun district"}}
    read = bearer(token_of(settings, "member", "read"))
    for path in ("/records", f"/records/{town}", "/overview", "/vocabularies/sex"):
        assert client.get(f"/api/v1{path}", headers=read).status_code == 200
    assert client.post("/api/v1/records", json=place, headers=read).status_code == 403
    assert client.patch(f"/api/v1/records/{town}", json=rename, headers=read).status_code == 403
    reveal = {"reveal": "true"}
    shown = client.get(f"/api/v1/records/{victim}", params=reveal, headers=read)
    assert shown.status_code == 403
    found = client.post("/api/v1/persons/find", json={"name": SEALED_NAME}, headers=read)
    if allows(role, "person.find"):
        assert found.status_code == 200 and found.json()["matches"][0]["code"] == victim
    else:
        assert found.status_code == 403
    assert_never_named(found.text)
    if allows(role, "record.write"):
        write = bearer(token_of(settings, "member", "read-write"))
        assert client.post("/api/v1/records", json=place, headers=write).status_code == 201
        edited = client.patch(f"/api/v1/records/{town}", json=rename, headers=write)
        assert edited.status_code == 200
    else:
        with pytest.raises(NotAllowed):
            token_of(settings, "member", "read-write")
    if allows(role, "sealed.reveal"):
        text = token_of(settings, "member", reveal=True)
        opened = client.get(f"/api/v1/records/{victim}", params=reveal, headers=bearer(text))
        assert opened.status_code == 200 and opened.json()["sealed"] == "revealed"
    else:
        with pytest.raises(NotAllowed):
            token_of(settings, "member", reveal=True)
    assert_never_named(shown.text)


def test_a_disabled_users_token_stops_working(
    vigil: Vigil, settings: Settings, client: TestClient
) -> None:
    vigil.add_user("member", "documenter", PASSPHRASE, ("default",))
    headers = bearer(token_of(settings, "member"))
    assert client.get("/api/v1/records", headers=headers).status_code == 200
    assert vigil.session is not None
    accounts.set_disabled(vigil.store, vigil.session, "member", True)
    refused = client.get("/api/v1/records", headers=headers)
    assert refused.status_code == 401 and "disabled" in refused.json()["error"]
    with TestClient(create_app(settings)) as fresh:
        assert fresh.get("/api/v1/records", headers=headers).status_code == 401


def test_an_open_token_session_follows_its_users_role_and_compartments(
    vigil: Vigil, settings: Settings, client: TestClient
) -> None:
    new_compartment(vigil, "Hotline 2017")
    vigil.add_user("member", "documenter", PASSPHRASE, ("default", "Hotline 2017"))
    code = add_record(vigil.workspace, Place("", "Argun", "town"), "Hotline 2017")
    headers = bearer(token_of(settings, "member", "read-write", ("default", "Hotline 2017")))
    place = {"kind": "place", "fields": {"name": "Gudermes", "kind": "town"}}
    assert client.post("/api/v1/records", json=place, headers=headers).status_code == 201
    assert client.get(f"/api/v1/records/{code}", headers=headers).status_code == 200
    member = vigil.store.get_user("member")
    assert member is not None and vigil.session is not None
    member.role = "viewer"
    vigil.store.save_user(member)
    assert client.post("/api/v1/records", json=place, headers=headers).status_code == 403
    compartments.remove_member(
        vigil.workspace, vigil.store, vigil.user_keys, vigil.session, "Hotline 2017", "member"
    )
    assert client.get(f"/api/v1/records/{code}", headers=headers).status_code == 404
    assert client.get("/api/v1/overview", headers=headers).status_code == 200


def test_a_revoked_token_stops_at_once(vigil: Vigil, client: TestClient) -> None:
    new = vigil.create_token("script", "read", ["default"])
    assert client.get("/api/v1/overview", headers=bearer(new.text)).status_code == 200
    vigil.revoke_token(new.row.id)
    refused = client.get("/api/v1/overview", headers=bearer(new.text))
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]


def test_an_expired_token_is_refused(vigil: Vigil, client: TestClient) -> None:
    text = vigil.create_token("script", "read", ["default"], days=1).text
    api(client).access.clock = lambda: utc_now() + timedelta(days=1, seconds=1)
    refused = client.get("/api/v1/overview", headers=bearer(text))
    assert refused.status_code == 401 and "expired" in refused.json()["error"]


def test_rate_limits_answer_429_with_retry_after(vigil: Vigil, client: TestClient) -> None:
    api(client).access.limits = Limits(
        per_token=SlidingWindow(3, 60.0),
        per_address=SlidingWindow(100, 60.0),
        failures=SlidingWindow(2, 600.0),
    )
    headers = bearer(vigil.create_token("script", "read", ["default"]).text)
    answers = [client.get("/api/v1/overview", headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[3].headers["retry-after"]) > 0 and "error" in answers[3].json()
    other = bearer(vigil.create_token("other", "read", ["default"]).text)
    assert client.get("/api/v1/overview", headers=other).status_code == 200
    for _ in range(2):
        assert client.get("/api/v1/overview", headers=bearer("vgt_bad")).status_code == 401
    blocked = client.get("/api/v1/overview", headers=other)
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


def test_invalid_requests_answer_json_errors(vigil: Vigil, client: TestClient) -> None:
    headers = bearer(vigil.create_token("script", "read-write", ["default"]).text)
    answers = {
        400: [
            client.get("/api/v1/records", params={"period": "not a date"}, headers=headers),
            client.get("/api/v1/records", params={"limit": 0}, headers=headers),
            client.get("/api/v1/records/not-a-code", headers=headers),
            client.post("/api/v1/records", json={"kind": "place", "fields": {}}, headers=headers),
            client.post("/api/v1/records", json={"kind": "nothing"}, headers=headers),
        ],
        404: [
            client.get("/api/v1/records/P-7KQ2XM", headers=headers),
            client.get("/api/v1/vocabularies/nothing", headers=headers),
            client.get("/api/v1/nowhere", headers=headers),
        ],
    }
    for status, responses in answers.items():
        for response in responses:
            assert response.status_code == status, response.text
            assert set(response.json()) == {"error"}


def test_the_openapi_description_holds_the_api_only(client: TestClient) -> None:
    described = client.get("/api/v1/openapi.json")
    assert described.status_code == 200
    paths = described.json()["paths"]
    assert set(paths) == {
        "/records",
        "/records/{code}",
        "/persons/find",
        "/overview",
        "/vocabularies/{name}",
    }
    assert set(paths["/records/{code}"]) == {"get", "patch"}
    assert described.json()["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert client.get("/openapi.json").status_code == 404
    for response in (described, client.get("/api/v1/records")):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"


# -- the tokens page ---------------------------------------------------------------------------


def test_the_tokens_page_needs_a_session_and_csrf(vigil: Vigil, client: TestClient) -> None:
    assert client.get("/account/tokens", follow_redirects=False).status_code == 303
    row = vigil.create_token("script", "read", ["default"]).row
    sign_in(client)
    form = {"label": "x", "scope": "read", "compartment:default": "on", "days": "30"}
    assert client.post("/account/tokens", data=form).status_code == 403
    assert client.post("/account/tokens", data={**form, "csrf": "forged"}).status_code == 403
    assert client.post(f"/account/tokens/{row.id}/revoke", data={"csrf": "no"}).status_code == 403
    assert [t.revoked_at for t in vigil.list_tokens()] == [None]
    assert [t.label for t in vigil.list_tokens()] == ["script"]


@pytest.mark.parametrize("role", ROLES)
def test_the_tokens_page_creates_shows_once_lists_and_revokes(
    vigil: Vigil, client: TestClient, role: str
) -> None:
    vigil.add_user("member", role, PASSPHRASE, ("default",))
    csrf = sign_in(client, "member")
    page = client.get("/account/tokens")
    assert page.status_code == 200 and "API tokens" in page.text
    assert only_script_files(page.text)
    assert ("read-write" in page.text) == allows(role, "record.write")
    assert ('name="reveal"' in page.text) == allows(role, "sealed.reveal")
    form = {"csrf": csrf, "label": "nightly", "scope": "read", "compartment:default": "on"}
    created = client.post("/account/tokens", data={**form, "days": "7"})
    assert created.status_code == 200
    found = re.search(r"vgt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", created.text)
    assert found, "the new token is not shown"
    text = found.group(0)
    assert client.get("/api/v1/overview", headers=bearer(text)).status_code == 200
    listed = client.get("/account/tokens").text
    assert "nightly" in listed and text not in listed
    token_id = text.split("_")[1]
    revoked = client.post(
        f"/account/tokens/{token_id}/revoke", data={"csrf": csrf}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert client.get("/api/v1/overview", headers=bearer(text)).status_code == 401
    write = client.post("/account/tokens", data={**form, "scope": "read-write", "days": "7"})
    assert write.status_code == (200 if allows(role, "record.write") else 400)


def test_the_tokens_page_refuses_what_the_user_may_not_give(
    vigil: Vigil, client: TestClient
) -> None:
    new_compartment(vigil, "Legal team")
    vigil.add_user("member", "documenter", PASSPHRASE, ("default",))
    csrf = sign_in(client, "member")
    base = {"csrf": csrf, "label": "x", "scope": "read", "days": "30"}
    for form in (
        {**base, "compartment:Legal team": "on"},
        {**base},
        {**base, "compartment:default": "on", "days": "400"},
        {**base, "compartment:default": "on", "days": "many"},
        {**base, "compartment:default": "on", "label": ""},
    ):
        answer = client.post("/account/tokens", data=form)
        assert answer.status_code == 400 and 'class="error"' in answer.text
    assert "vgt_" not in client.get("/account/tokens").text


def test_an_idle_token_session_is_closed_and_its_keys_dropped(
    vigil: Vigil, settings: Settings, client: TestClient
) -> None:
    sessions = api(client).sessions
    now = [0.0]
    sessions.clock = lambda: now[0]
    headers = bearer(vigil.create_token("script", "read", ["default"]).text)
    assert client.get("/api/v1/overview", headers=headers).status_code == 200
    assert client.get("/api/v1/overview", headers=headers).status_code == 200
    assert len(sessions) == 1
    (opened,) = [s.vigil for s in sessions._sessions.values()]
    assert opened.workspace.ciphers
    now[0] += sessions.idle_seconds + 1
    sessions.expire()
    assert len(sessions) == 0
    assert opened.workspace.ciphers == {} and opened.workspace.actor is None
    assert client.get("/api/v1/overview", headers=headers).status_code == 200
    assert len(sessions) == 1


def test_a_token_opened_twice_at_once_keeps_one_session(vigil: Vigil, settings: Settings) -> None:
    text = vigil.create_token("script", "read", ["default"]).text
    sessions = TokenSessions(60.0)
    first = sessions.add(("id", "hash"), Vigil.open_by_token(settings, text))
    late = Vigil.open_by_token(settings, text)
    assert sessions.add(("id", "hash"), late) is first
    assert late.token_id is None and first.vigil.token_id is not None
    sessions.close_all()
    assert first.vigil.token_id is None


def test_an_unexpected_failure_answers_json_without_details(
    vigil: Vigil, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = bearer(vigil.create_token("script", "read", ["default"]).text)

    def broken(*_: object) -> None:
        raise RuntimeError(SEALED_NAME)

    monkeypatch.setattr("vigil.web.api.records.overview", broken)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        answer = client.get("/api/v1/overview", headers=headers)
    assert answer.status_code == 500 and answer.json() == {"error": "internal error"}
    assert_never_named(answer.text)
