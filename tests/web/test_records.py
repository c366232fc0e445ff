"""Record pages: any record, the incident page, history and revealing a sealed section."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from conftest import PASSPHRASE
from integration.test_compartments import new_compartment, person
from vigil.bootstrap import Settings, Vigil
from vigil.domain.counts import CountValue, Qualifier
from vigil.domain.records import (
    Act,
    Claim,
    CountClaim,
    Incident,
    Organisation,
    Perpetrator,
    Place,
    Source,
)
from vigil.services.auditing import audit_entries
from vigil.services.dates import parse_date
from vigil.services.mentions import mentions
from vigil.services.permissions import ROLES, allows
from vigil.services.recording import add_record, delete_record, edit_record
from vigil.web.app import create_app
from web.test_web import sign_in

SEALED_NAME = "Ruslan Sealedpagename"
OTHER_SEALED_NAME = "Magomed Secondsealed"
COMPARTMENT = "Hotline 2017"


@dataclass
class World:
    place: str
    unit: str
    victim: str
    incident: str
    act: str
    ngo: str
    paper: str
    ngo_claim: str
    paper_claim: str
    hidden: str


@pytest.fixture
def client(vigil: Vigil, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def world(vigil: Vigil) -> World:
    """An incident with an act, a sealed victim, a perpetrating unit, a place, and two sources
    that disagree on how many were detained; users of every role in its compartment, and one
    outsider who belongs to another compartment."""
    ws = vigil.workspace
    new_compartment(vigil, COMPARTMENT)
    new_compartment(vigil, "Legal team")
    place = add_record(ws, Place("", "Argun", "town"), COMPARTMENT)
    unit = add_record(ws, Organisation("", "Unit of the police", "state-body"), COMPARTMENT)
    victim = add_record(ws, person(SEALED_NAME), COMPARTMENT)
    incident = add_record(
        ws,
        Incident("", "Detentions in Argun", parse_date("2017-03"), places=(place,)),
        COMPARTMENT,
    )
    act = add_record(
        ws,
        Act(
            "",
            incident,
            "secret-detention",
            victim_person=victim,
            perpetrators=(Perpetrator("direct-perpetrator", organisation=unit),),
            place=place,
            period=parse_date("2017-03-16"),
        ),
        COMPARTMENT,
    )
    ngo = add_record(ws, Source("", "ngo-report", "Report of an NGO"), COMPARTMENT)
    paper = add_record(ws, Source("", "news-article", "Article in a newspaper"), COMPARTMENT)
    ngo_claim = add_record(
        ws,
        Claim(
            "",
            ngo,
            supports=(incident,),
            count=CountClaim(
                "detained",
                CountValue.single(Qualifier.MORE_THAN, 101),
                parse_date("2017-04-01"),
                parse_date("2017-02/2017-03"),
            ),
        ),
        COMPARTMENT,
    )
    paper_claim = add_record(
        ws,
        Claim(
            "",
            paper,
            supports=(act,),
            count=CountClaim(
                "detained", CountValue.single(Qualifier.ABOUT, 27), parse_date("2017-04-20")
            ),
        ),
        COMPARTMENT,
    )
    hidden = add_record(ws, person(OTHER_SEALED_NAME), "Legal team")
    for role in ROLES:
        vigil.add_user(f"{role}-user", role, PASSPHRASE, (COMPARTMENT,))
    vigil.add_user("outsider", "coordinator", PASSPHRASE, ("Legal team",))
    return World(place, unit, victim, incident, act, ngo, paper, ngo_claim, paper_claim, hidden)


def reveals(vigil: Vigil, code: str) -> int:
    """How many times the audit log says this record's sealed section was opened."""
    rows = audit_entries(vigil.workspace, vigil.store, record=code)
    return sum(1 for row in rows if row.action == "reveal")


def assert_sealed_absent(html: str, name: str = SEALED_NAME) -> None:
    for part in name.split():
        assert part not in html


def test_pages_need_a_signed_in_session(client: TestClient, world: World) -> None:
    for path in (f"/records/{world.incident}", f"/records/{world.incident}/history"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/sign-in"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_records_and_history_and_reveals_only_if_allowed(
    vigil: Vigil, client: TestClient, world: World, role: str
) -> None:
    token = sign_in(client, f"{role}-user")
    for code in (world.incident, world.victim, world.act, world.ngo_claim, world.place):
        page = client.get(f"/records/{code}")
        assert page.status_code == 200, page.text
        assert code in page.text
        assert_sealed_absent(page.text)
        history = client.get(f"/records/{code}/history")
        assert history.status_code == 200 and "Version 1" in history.text
        assert_sealed_absent(history.text)
    person_page = client.get(f"/records/{world.victim}").text
    may = allows(role, "sealed.reveal")
    assert (f'action="/records/{world.victim}/reveal"' in person_page) is may
    before = reveals(vigil, world.victim)
    opened = client.post(f"/records/{world.victim}/reveal", data={"csrf": token})
    if may:
        assert opened.status_code == 200
        assert SEALED_NAME in opened.text
        assert opened.headers["cache-control"] == "no-store"
        assert reveals(vigil, world.victim) == before + 1
    else:
        assert opened.status_code == 403
        assert_sealed_absent(opened.text)
        assert reveals(vigil, world.victim) == before
    # the reveal is for that response only: the next page is sealed again
    assert_sealed_absent(client.get(f"/records/{world.victim}").text)


def test_an_outsider_gets_the_same_404_as_for_an_unknown_code(
    vigil: Vigil, client: TestClient, world: World
) -> None:
    token = sign_in(client, "outsider")
    unknown = "P-" + ("Z" if world.victim[2] != "Z" else "Y") + world.victim[3:]
    for code in (world.victim, world.incident):
        for path in (f"/records/{code}", f"/records/{code}/history"):
            assert client.get(path).status_code == 404
    for suffix in ("", "/history"):
        missing = client.get(f"/records/{unknown}{suffix}")
        hidden = client.get(f"/records/{world.victim}{suffix}")
        assert missing.status_code == hidden.status_code == 404
        assert missing.text.replace(unknown, "X") == hidden.text.replace(world.victim, "X")
    for code in (world.victim, world.incident):
        refused = client.post(f"/records/{code}/reveal", data={"csrf": token})
        assert refused.status_code == 404
        assert_sealed_absent(refused.text)
    # while their own compartment's records open as usual
    assert client.get(f"/records/{world.hidden}").status_code == 200
    assert reveals(vigil, world.victim) == 0


def test_a_reveal_without_the_form_token_is_refused_and_not_audited(
    vigil: Vigil, client: TestClient, world: World
) -> None:
    sign_in(client, "coordinator-user")
    for data in ({}, {"csrf": "forged"}):
        response = client.post(f"/records/{world.victim}/reveal", data=data)
        assert response.status_code == 403
        assert_sealed_absent(response.text)
    assert reveals(vigil, world.victim) == 0


def test_an_administrator_outside_the_compartment_cannot_reveal(
    vigil: Vigil, client: TestClient, world: World
) -> None:
    vigil.add_user("lone-admin", "admin", PASSPHRASE, ())
    token = sign_in(client, "lone-admin")
    assert client.get(f"/records/{world.victim}").status_code == 404
    response = client.post(f"/records/{world.victim}/reveal", data={"csrf": token})
    assert response.status_code == 404
    assert_sealed_absent(response.text)


def test_the_incident_page_gathers_acts_people_places_and_sources(
    client: TestClient, world: World
) -> None:
    sign_in(client, "viewer-user")
    html = client.get(f"/records/{world.incident}").text
    for code in (world.act, world.victim, world.unit, world.place, world.ngo, world.paper):
        assert f'href="/records/{code}"' in html
    for text in ("Secret detention", "Unit of the police", "Argun", "a witness", "Alleged"):
        assert text.lower() in html.lower(), text
    assert "Report of an NGO" in html and "Article in a newspaper" in html
    assert f'href="/records/{world.incident}/history"' in html
    assert_sealed_absent(html)
    assert 'action="/records/' not in html  # an incident has no sealed section to reveal


def test_disagreeing_counts_stand_side_by_side_and_are_never_added(
    client: TestClient, world: World
) -> None:
    sign_in(client, "analyst-user")
    html = client.get(f"/records/{world.incident}").text
    tables = re.findall(r'<table class="counts" data-quantity="detained">(.*?)</table>', html, re.S)
    assert len(tables) == 1
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", tables[0], re.S)[1:]
    cells = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in rows]
    assert [c[0] for c in cells] == ["27", "101"]  # latest as-of first
    assert [c[1] for c in cells] == ["about", "more than"]
    assert [c[2] for c in cells] == ["2017-04-20", "2017-04-01"]
    assert cells[1][3] == "2017-02/2017-03"
    assert "Article in a newspaper" in cells[0][4] and "Report of an NGO" in cells[1][4]
    assert "128" not in re.sub(r"\b[A-Z]-[0-9A-Z]{6}\b", "", html)  # no sum, codes aside


def test_the_russian_page_uses_russian_vocabulary_labels(
    vigil: Vigil, client: TestClient, world: World
) -> None:
    sign_in(client, "viewer-user")
    client.cookies.set("vigil_language", "ru")
    html = client.get(f"/records/{world.act}").text
    label = vigil.workspace.vocabularies["act-type"].term("secret-detention").label("ru")
    assert label in html
    assert f'href="/records/{world.incident}"' in html


def test_history_shows_each_change_and_only_that_a_sealed_section_changed(
    vigil: Vigil, client: TestClient, world: World
) -> None:
    ws = vigil.workspace
    edit_record(ws, world.incident, {"title": "Mass detentions in Argun"}, note="better title")
    edit_record(
        ws,
        world.victim,
        {"identity": '{"names": ["' + OTHER_SEALED_NAME + '"]}', "description": "a victim"},
    )
    sign_in(client, "coordinator-user")
    incident = client.get(f"/records/{world.incident}/history").text
    assert "Version 2" in incident and "better title" in incident
    assert "Detentions in Argun" in incident and "Mass detentions in Argun" in incident
    assert "changed" in incident and "By: admin" in incident  # coordinators read the audit log
    victim = client.get(f"/records/{world.victim}/history").text
    assert "The sealed section was rewritten" in victim
    assert "A sealed section was added" in victim
    assert "<td>code</td>" not in victim
    assert "a witness" in victim and "a victim" in victim
    assert_sealed_absent(victim)
    assert_sealed_absent(victim, OTHER_SEALED_NAME)
    sign_in(client, "viewer-user")
    assert "By:" not in client.get(f"/records/{world.incident}/history").text


def test_a_deleted_record_keeps_its_history_and_a_malformed_code_is_refused(
    vigil: Vigil, client: TestClient, world: World
) -> None:
    delete_record(vigil.workspace, world.paper_claim, reason="duplicate of another claim")
    sign_in(client, "admin-user")
    assert client.get(f"/records/{world.paper_claim}").status_code == 404
    history = client.get(f"/records/{world.paper_claim}/history")
    assert history.status_code == 200
    assert "deleted" in history.text and "duplicate of another claim" in history.text
    html = client.get(f"/records/{world.incident}").text
    table = re.findall(r'data-quantity="detained">(.*?)</table>', html, re.S)[0]
    assert world.paper_claim not in table and world.ngo_claim in table
    for path in ("/records/nonsense", "/records/X-123456/history"):
        assert client.get(path).status_code == 400


def test_testimony_text_and_its_excerpts_stay_sealed_until_revealed(
    vigil: Vigil, client: TestClient, world: World
) -> None:
    ws = vigil.workspace
    text = f"I was held with {OTHER_SEALED_NAME} in a basement."
    survivor = Source("", "testimony", "Testimony of a survivor", content=text)
    testimony = add_record(ws, survivor, COMPARTMENT)
    excerpt = Claim("", testimony, excerpt=text[:30], supports=(world.incident,))
    claim = add_record(ws, excerpt, COMPARTMENT)
    token = sign_in(client, "documenter-user")
    incident = client.get(f"/records/{world.incident}").text
    assert f'href="/records/{claim}"' in incident and "excerpt sealed" in incident
    for html in (
        incident,
        client.get(f"/records/{testimony}").text,
        client.get(f"/records/{claim}").text,
        client.get(f"/records/{testimony}/history").text,
        client.get(f"/records/{claim}/history").text,
    ):
        assert_sealed_absent(html, OTHER_SEALED_NAME)
    opened = client.post(f"/records/{testimony}/reveal", data={"csrf": token})
    assert opened.status_code == 200 and OTHER_SEALED_NAME in opened.text
    assert reveals(vigil, testimony) == 1


def test_a_record_page_lists_the_readable_records_that_name_it(
    vigil: Vigil, client: TestClient, world: World
) -> None:
    ws = vigil.workspace
    elsewhere = add_record(
        ws, Incident("", "Case of the legal team", places=(world.place,)), "Legal team"
    )
    sign_in(client, "viewer-user")
    victim_page = client.get(f"/records/{world.victim}").text
    assert "Named in" in victim_page and f'href="/records/{world.act}"' in victim_page
    assert_sealed_absent(victim_page)
    place_page = client.get(f"/records/{world.place}").text
    for code in (world.incident, world.act):
        assert f'href="/records/{code}"' in place_page
    assert elsewhere not in place_page and "Case of the legal team" not in place_page
    source_page = client.get(f"/records/{world.ngo}").text
    assert f'href="/records/{world.ngo_claim}"' in source_page
    assert (
        "No record you can read names this one." in client.get(f"/records/{world.paper_claim}").text
    )


def test_mentions_stop_at_their_limit_and_say_more_follow(vigil: Vigil, world: World) -> None:
    ws = vigil.workspace
    for _ in range(2):
        add_record(ws, Claim("", world.ngo, supports=(world.incident,)), COMPARTMENT)
    assert mentions(ws, world.ngo, limit=2).more is True
    everything = mentions(ws, world.ngo)
    assert len(everything.views) == 3 and everything.more is False
