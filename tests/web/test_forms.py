"""The forms that create and edit records, and the vocabulary picker, on both databases."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from conftest import PASSPHRASE
from integration.test_compartments import new_compartment
from integration.test_sealing import files_containing, postgres_rows_containing
from vigil.bootstrap import Settings, Vigil
from vigil.domain.codes import RecordKind
from vigil.domain.records import (
    Act,
    Claim,
    Identity,
    Incident,
    Organisation,
    Person,
    Place,
    Source,
)
from vigil.services.dates import parse_date
from vigil.services.permissions import ROLES, allows
from vigil.services.querying import ListFilters, history, list_records
from vigil.services.recording import add_record, show
from vigil.web.app import create_app
from web.test_web import sign_in

SECRET_NAME = "Ruslan Formfieldsecret"
SECRET_CONTACT = "+7-928-555-0199"
TEXT = "In February more than 100 men were detained in Argun. Some men were later released."


@pytest.fixture
def client(vigil: Vigil, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@dataclass(frozen=True)
class World:
    """Records the forms refer to, made through the services."""

    place: str
    organisation: str
    source: str
    incident: str
    person: str


@pytest.fixture
def world(vigil: Vigil) -> World:
    ws = vigil.workspace
    place = add_record(ws, Place("", "Chechnya", "region"))
    organisation = add_record(ws, Organisation("", "Ministry of Interior", "state-body"))
    source = add_record(ws, Source("", "news-article", "Report", content=TEXT))
    incident = add_record(ws, Incident("", "Detentions", parse_date("2017-02")))
    person = add_record(ws, Person("", "a witness", identity=Identity(names=(SECRET_NAME,))))
    return World(place, organisation, source, incident, person)


def form_of(kind: str, world: World) -> dict[str, str]:
    """A valid form for each kind, as a documenter would fill it."""
    return {
        "organisation": {
            "name": "Unit of the police",
            "kind": "law-enforcement-unit",
            "parent": world.organisation,
            "names": "ru=Отдел полиции",
        },
        "place": {
            "name": "Argun",
            "kind": "town",
            "parent": world.place,
            "names": "ru=Аргун\nce=Устрада",
            "lat": "43.29",
            "lon": "45.87",
        },
        "source": {
            "kind": "ngo-report",
            "title": "They are killing us",
            "publisher": world.organisation,
            "author": "HRW",
            "language": "en",
            "published_on": "2017-05~",
            "url": "https://example.org/report",
            "reliability": "b",
            "credibility": "2",
            "access_level": "restricted",
            "content": "Detentions began in\r\nFebruary.",
        },
        "incident": {
            "title": "Detentions in Argun",
            "period": "2017-02/2017-04",
            "places": world.place,
            "description": "Men held in a former base.",
            "status": "alleged",
            "related": f"within {world.incident}",
        },
        "claim": {
            "source": world.source,
            "excerpt": "more than 100 men were detained",
            "attributed_to": "according to Novaya Gazeta",
            "supports": world.incident,
            "quantity": "detained",
            "qualifier": "more-than",
            "value": "100",
            "as_of": "2017-04-01",
            "period": "2017-02/2017-04",
            "place": world.place,
        },
        "act": {
            "incident": world.incident,
            "type": "secret-detention",
            "victim_count": "20-40",
            "victim_qualifier": "range",
            "victim_description": "men",
            "perpetrators": f"{world.organisation} ordered",
            "methods": "physical-violence",
            "period": "2017-03",
            "legal": "echr-3",
        },
        "person": {
            "description": "a man held in Argun",
            "sex": "male",
            "consents": "internal 2017-06\npublication 2017-06 2019-01",
            "names": SECRET_NAME + "\nРуслан",
            "contacts": SECRET_CONTACT,
            "birth_date": "1990",
        },
    }[kind]


def post(client: TestClient, path: str, token: str, fields: dict[str, str]) -> Response:
    return client.post(path, data={"csrf": token, **fields}, follow_redirects=False)


def create(client: TestClient, token: str, kind: str, fields: dict[str, str]) -> str:
    response = post(client, f"/records/new/{kind}", token, {"compartment": "default", **fields})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/records/[A-Z]-[0-9A-Z]{6}", location)
    return location.rsplit("/", 1)[1]


KINDS = [kind.value for kind in RecordKind]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_created_through_its_form(
    vigil: Vigil, client: TestClient, world: World, kind: str
) -> None:
    token = sign_in(client)
    page = client.get(f"/records/new/{kind}")
    assert page.status_code == 200
    assert 'name="compartment"' in page.text and "<form" in page.text
    code = create(client, token, kind, form_of(kind, world))
    record = show(vigil.workspace, code, reveal=True).record
    match record:
        case Organisation():
            assert record.names == {"ru": "Отдел полиции"}
            assert record.parent == world.organisation
        case Place():
            assert (record.lat, record.lon, record.names["ru"]) == (43.29, 45.87, "Аргун")
        case Source():
            assert record.published_on is not None and record.published_on.text == "2017-05~"
            assert record.content == "Detentions began in\nFebruary."
            assert (record.reliability, record.access_level) == ("b", "restricted")
        case Incident():
            assert record.places == (world.place,)
            assert record.related[0].incident == world.incident
        case Claim():
            assert record.excerpt_start == TEXT.index("more than 100 men")
            assert record.count is not None and str(record.count.value) == "more than 100"
            assert record.count.as_of.text == "2017-04-01"
        case Act():
            assert record.victim_group is not None and str(record.victim_group.count) == "20–40"
            assert record.perpetrators[0].organisation == world.organisation
            assert record.legal == ("echr-3",)
        case Person():
            assert record.identity is not None
            assert record.identity.names == (SECRET_NAME, "Руслан")
            assert record.identity.contacts == (SECRET_CONTACT,)
            assert record.consents[0].use == "internal"
            assert record.consents[1].revoked_on is not None


def test_the_claim_form_shows_the_source_text_and_honours_a_selected_position(
    vigil: Vigil, client: TestClient, world: World
) -> None:
    token = sign_in(client)
    page = client.get("/records/new/claim", params={"source": world.source}).text
    assert 'id="source-text"' in page and "more than 100 men" in page
    assert '<script src="/static/excerpt.js" defer>' in page
    second = TEXT.index("men were later")
    code = create(
        client,
        token,
        "claim",
        {"source": world.source, "excerpt": "men", "excerpt_start": str(second)},
    )
    claim = show(vigil.workspace, code).record
    assert isinstance(claim, Claim) and claim.excerpt_start == second
    script = client.get("/static/excerpt.js")
    assert script.status_code == 200 and "field-excerpt_start" in script.text


def test_an_excerpt_not_in_the_source_text_is_refused_naming_the_field(
    vigil: Vigil, client: TestClient, world: World
) -> None:
    token = sign_in(client)
    response = post(
        client,
        "/records/new/claim",
        token,
        {"compartment": "default", "source": world.source, "excerpt": "nobody was detained"},
    )
    assert response.status_code == 400
    assert "Excerpt" in response.text and "not found" in response.text
    assert list_records(vigil.workspace, RecordKind.CLAIM, ListFilters()) == []


def stored_counts(vigil: Vigil) -> dict[RecordKind, int]:
    return {kind: len(list_records(vigil.workspace, kind, ListFilters())) for kind in RecordKind}


@pytest.mark.parametrize(
    ("kind", "changes", "label", "words"),
    [
        ("place", {"name": ""}, "Name", "required"),
        ("place", {"lat": "north"}, "Latitude", "not a number"),
        ("place", {"lon": ""}, "Longitude", "both"),
        ("place", {"kind": "castle"}, "Kind", "not a known term"),
        ("source", {"published_on": "spring 2017"}, "Published on", "2017"),
        ("source", {"publisher": "P-7KQ2XM"}, "Publisher", "organisation"),
        ("claim", {"as_of": ""}, "As of", "as of"),
        ("claim", {"qualifier": "range"}, "Low end of the range", "range"),
        ("claim", {"value": "-3"}, "Value", "negative"),
        ("incident", {"places": "L-7KQ2XM"}, "Places", "no record"),
        ("act", {"victim_count": "", "victim_person": ""}, "Victim (a person)", "victim"),
        ("act", {"perpetrators": "O-ZZZZZZ"}, "Perpetrators", "involvement"),
        ("act", {"victim_count": "many"}, "Or a group: how many", "low-high"),
        ("person", {"consents": "internal someday"}, "Consents", "someday"),
        ("organisation", {"names": "Кадыровцы"}, "Names in other languages", "LANGUAGE=NAME"),
    ],
)
def test_bad_input_is_refused_with_one_error_naming_the_field_and_nothing_stored(
    vigil: Vigil,
    client: TestClient,
    world: World,
    kind: str,
    changes: dict[str, str],
    label: str,
    words: str,
) -> None:
    token = sign_in(client)
    before = stored_counts(vigil)
    fields = {**form_of(kind, world), **changes}
    response = post(client, f"/records/new/{kind}", token, {"compartment": "default", **fields})
    assert response.status_code == 400
    errors = re.findall(r'<p class="error" role="alert" id="form-error">([^<]*)</p>', response.text)
    assert len(errors) == 1, response.text
    assert errors[0].startswith(label + ":") and words.lower() in errors[0].lower()
    assert 'aria-invalid="true"' in response.text
    for typed in filter(None, changes.values()):
        assert typed in response.text  # what the user typed is shown again
    assert stored_counts(vigil) == before


def test_a_compartment_the_user_cannot_read_is_refused(
    vigil: Vigil, client: TestClient, world: World
) -> None:
    new_compartment(vigil, "Legal team")
    vigil.add_user("documenter", "documenter", PASSPHRASE, ("default",))
    token = sign_in(client, "documenter")
    page = client.get("/records/new/place").text
    assert "Legal team" not in page
    fields = {**form_of("place", world), "compartment": "Legal team", "parent": ""}
    response = post(client, "/records/new/place", token, fields)
    assert response.status_code == 400 and "Compartment:" in response.text
    assert stored_counts(vigil)[RecordKind.PLACE] == 1
    hidden = add_record(vigil.workspace, Place("", "Shali", "town"), "Legal team")
    assert client.get(f"/records/{hidden}/edit").status_code == 404
    renamed = post(client, f"/records/{hidden}/edit", token, {"name": "X", "kind": "town"})
    assert renamed.status_code == 404
    assert show(vigil.workspace, hidden).version == 1


def test_editing_writes_a_new_version_with_its_note(
    vigil: Vigil, client: TestClient, world: World
) -> None:
    token = sign_in(client)
    page = client.get(f"/records/{world.incident}/edit")
    assert page.status_code == 200 and 'value="Detentions"' in page.text
    assert 'value="2017-02"' in page.text
    fields = {
        "title": "Detentions in Argun",
        "period": "2017-02/2017-04",
        "status": "corroborated",
        "note": "Second source",
    }
    response = post(client, f"/records/{world.incident}/edit", token, fields)
    assert response.status_code == 303
    assert response.headers["location"] == f"/records/{world.incident}"
    view = show(vigil.workspace, world.incident)
    assert view.version == 2
    assert isinstance(view.record, Incident)
    assert (view.record.title, view.record.status) == ("Detentions in Argun", "corroborated")
    assert [h.note for h in history(vigil.workspace, world.incident)][-1] == "Second source"
    same = post(client, f"/records/{world.incident}/edit", token, fields)
    assert same.status_code == 400 and "Nothing was changed" in same.text
    bad = post(client, f"/records/{world.incident}/edit", token, {**fields, "period": "soon"})
    assert bad.status_code == 400 and "Period:" in bad.text
    assert show(vigil.workspace, world.incident).version == 2
    literal = {**fields, "title": "[draft] {not JSON}", "description": "null"}
    assert post(client, f"/records/{world.incident}/edit", token, literal).status_code == 303
    view = show(vigil.workspace, world.incident)
    assert isinstance(view.record, Incident) and view.version == 3
    assert (view.record.title, view.record.description) == ("[draft] {not JSON}", "null")


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_can_be_edited_from_its_prefilled_form(
    vigil: Vigil, client: TestClient, world: World, kind: str
) -> None:
    token = sign_in(client)
    code = create(client, token, kind, form_of(kind, world))
    page = client.get(f"/records/{code}/edit").text
    values = dict(re.findall(r'<input id="field-([a-z_]+)" name="[a-z_]+" value="([^"]*)"', page))
    textareas = dict(
        re.findall(r'<textarea id="field-([a-z_]+)" name="[a-z_]+" rows="\d+"[^>]*>([^<]*)<', page)
    )
    fields = {**values, **textareas, "note": "checked again"}
    for key in ("access_level", "qualifier", "victim_qualifier"):
        if key in form_of(kind, world):
            fields[key] = form_of(kind, world)[key]
    changed = {
        "description": "changed",
        "title": "Changed",
        "name": "Changed",
        "attributed_to": "according to Memorial",
        "victim_status": "released",
    }
    target = next(k for k in changed if k in fields)
    fields[target] = changed[target]
    response = post(client, f"/records/{code}/edit", token, fields)
    assert response.status_code == 303, response.text
    view = show(vigil.workspace, code, reveal=True)
    assert view.version == 2
    assert getattr(view.record, target) == changed[target]
    before = form_of(kind, world)
    for key, value in before.items():  # nothing else changed by the round trip
        if key not in IDENTITY and key != target and key in fields:
            assert fields[key].replace("\r\n", "\n").strip() in {
                value.replace("\r\n", "\n").strip(),
                value.upper(),
                value.replace(":", " "),
            } or key in {"excerpt"}, key


IDENTITY = {"names", "aliases", "birth_date", "contacts", "documents"}


def test_a_sealed_identity_is_never_prefilled_kept_when_blank_and_replaced_when_typed(
    vigil: Vigil, client: TestClient, world: World
) -> None:
    token = sign_in(client)
    page = client.get(f"/records/{world.person}/edit")
    assert page.status_code == 200
    assert SECRET_NAME.split()[1] not in page.text
    assert "Leave it empty to keep it" in page.text and 'id="field-names"' in page.text
    kept = post(client, f"/records/{world.person}/edit", token, {"description": "seen in Argun"})
    assert kept.status_code == 303
    view = show(vigil.workspace, world.person, reveal=True)
    assert isinstance(view.record, Person) and view.version == 2
    assert view.record.identity == Identity(names=(SECRET_NAME,))
    assert view.record.description == "seen in Argun"
    replaced = post(
        client,
        f"/records/{world.person}/edit",
        token,
        {"description": "seen in Argun", "names": "Adam Replacedname", "contacts": "@adam"},
    )
    assert replaced.status_code == 303
    view = show(vigil.workspace, world.person, reveal=True)
    assert isinstance(view.record, Person)
    assert view.record.identity == Identity(names=("Adam Replacedname",), contacts=("@adam",))


def test_a_sealed_identity_typed_into_the_form_never_appears_in_a_page_or_the_database(
    vigil: Vigil, settings: Settings, client: TestClient, world: World
) -> None:
    token = sign_in(client)
    secret = "Zaurbek Typedintoform"
    pages = [client.get("/records/new/person").text]
    bad = post(
        client,
        "/records/new/person",
        token,
        {"compartment": "default", "names": secret, "birth_date": secret, "sex": "male"},
    )
    assert bad.status_code == 400 and "Date of birth:" in bad.text
    pages.append(bad.text)
    response = post(
        client,
        "/records/new/person",
        token,
        {"compartment": "default", "names": secret, "contacts": SECRET_CONTACT},
    )
    code = response.headers["location"].rsplit("/", 1)[1]
    pages.append(client.get(f"/records/{code}/edit").text)
    pages.append(client.get("/").text)
    wrong = post(client, f"/records/{code}/edit", token, {"names": secret + "2", "consents": "x y"})
    assert wrong.status_code == 400
    pages.append(wrong.text)
    for html in pages:
        for part in (*secret.split(), SECRET_CONTACT):
            assert part not in html
    view = show(vigil.workspace, code, reveal=True)
    assert isinstance(view.record, Person) and view.record.identity is not None
    assert view.record.identity.names == (secret,)
    vigil.close()
    assert files_containing(settings.home, secret.split()[1]) == []
    assert files_containing(settings.home, SECRET_CONTACT) == []
    if settings.database_url:
        assert postgres_rows_containing(settings.database_url, secret.split()[1]) == []


def test_a_testimony_text_is_sealed_and_not_shown_on_the_claim_or_edit_form(
    vigil: Vigil, client: TestClient
) -> None:
    token = sign_in(client)
    testimony = "They held me in the basement in Argun for twelve days."
    source = create(
        client,
        token,
        "source",
        {
            "kind": "testimony",
            "title": "Testimony 14",
            "access_level": "confidential",
            "content": testimony,
        },
    )
    claim_page = client.get("/records/new/claim", params={"source": source}).text
    assert "basement" not in claim_page and "sealed" in claim_page
    code = create(client, token, "claim", {"source": source, "excerpt": "twelve days"})
    claim = show(vigil.workspace, code, reveal=True).record
    assert isinstance(claim, Claim) and claim.excerpt_start == testimony.index("twelve days")
    edit_page = client.get(f"/records/{source}/edit").text
    assert "basement" not in edit_page and 'value="Testimony 14"' in edit_page
    kept = post(
        client,
        f"/records/{source}/edit",
        token,
        {"kind": "testimony", "title": "Testimony 14 (Argun)", "access_level": "confidential"},
    )
    assert kept.status_code == 303
    record = show(vigil.workspace, source, reveal=True).record
    assert isinstance(record, Source) and record.content == testimony
    claim_edit = client.get(f"/records/{code}/edit").text
    assert "twelve days" not in claim_edit


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role(
    vigil: Vigil, settings: Settings, world: World, role: str
) -> None:
    vigil.add_user(f"user-{role}", role, PASSPHRASE, ("default",))
    writes = allows(role, "record.write")
    with TestClient(create_app(settings)) as client:
        token = sign_in(client, f"user-{role}")
        choose = client.get("/records/new")
        assert choose.status_code == (200 if writes else 403)
        assert ('href="/records/new"' in client.get("/").text) is writes
        for kind in KINDS:
            page = client.get(f"/records/new/{kind}")
            assert page.status_code == (200 if writes else 403), (kind, page.status_code)
            before = stored_counts(vigil)
            response = post(
                client,
                f"/records/new/{kind}",
                token,
                {"compartment": "default", **form_of(kind, world)},
            )
            assert response.status_code == (303 if writes else 403), kind
            if not writes:
                assert stored_counts(vigil) == before
        edit = client.get(f"/records/{world.place}/edit")
        assert edit.status_code == (200 if writes else 403)
        saved = post(
            client,
            f"/records/{world.place}/edit",
            token,
            {"name": "Chechen Republic", "kind": "region"},
        )
        assert saved.status_code == (303 if writes else 403)
        assert show(vigil.workspace, world.place).version == (2 if writes else 1)
        terms = client.get("/vocabularies/quantity", params={"q": "detained"})
        assert terms.status_code == 200 and "detained" in terms.text
        assert client.get("/vocabularies/no-such-thing").status_code == 404
        assert client.get("/records/new/nonsense").status_code == 404


def test_the_new_record_page_offers_every_kind(client: TestClient) -> None:
    sign_in(client)
    page = client.get("/records/new").text
    for kind in KINDS:
        assert f'href="/records/new/{kind}"' in page


def test_links_from_a_record_fill_in_the_records_it_refers_to_and_nothing_else(
    client: TestClient, world: World
) -> None:
    sign_in(client)
    incident_page = client.get(f"/records/{world.incident}").text
    assert f"/records/new/act?incident={world.incident}" in incident_page
    assert f"/records/new/claim?supports={world.incident}" in incident_page
    assert (
        f"/records/new/claim?source={world.source}" in client.get(f"/records/{world.source}").text
    )
    act = client.get("/records/new/act", params={"incident": world.incident}).text
    assert f'value="{world.incident}"' in act
    claim = client.get(
        "/records/new/claim", params={"supports": world.incident, "excerpt": "typed in a link"}
    ).text
    assert f'value="{world.incident}"' in claim and "typed in a link" not in claim


def test_signed_out_the_routes_go_to_sign_in(client: TestClient, world: World) -> None:
    for path in ("/records/new/place", f"/records/{world.place}/edit", "/vocabularies/sex"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/sign-in"


def test_every_post_without_the_csrf_token_is_refused_and_stores_nothing(
    vigil: Vigil, client: TestClient, world: World
) -> None:
    sign_in(client)
    before = stored_counts(vigil)
    for kind in KINDS:
        fields = {"compartment": "default", **form_of(kind, world)}
        for token in (None, "forged"):
            data = fields if token is None else {**fields, "csrf": token}
            response = client.post(f"/records/new/{kind}", data=data)
            assert response.status_code == 403, kind
    for token in (None, "forged"):
        data = {"name": "Renamed", "kind": "region"}
        if token:
            data["csrf"] = token
        assert client.post(f"/records/{world.place}/edit", data=data).status_code == 403
    assert stored_counts(vigil) == before
    assert show(vigil.workspace, world.place).version == 1


@pytest.mark.parametrize(
    ("query", "language"),
    [("Задержанные", "en"), ("People detained", "en"), ("задерж", "ru"), ("detained", "ru")],
)
def test_the_vocabulary_search_finds_terms_by_their_russian_and_english_labels(
    client: TestClient, query: str, language: str
) -> None:
    sign_in(client)
    client.cookies.set("vigil_language", language)
    fragment = client.get(
        "/vocabularies/quantity",
        params={"q": query, "field": "quantity"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'data-code="detained"' in fragment.text and 'data-field="quantity"' in fragment.text
    assert "People detained" in fragment.text and "Задержанные" in fragment.text
    assert "killed" not in fragment.text
    page = client.get("/vocabularies/quantity", params={"q": query})
    assert page.status_code == 200 and "<html" in page.text and "<code>detained</code>" in page.text


def test_the_form_offers_a_picker_and_suggestions_for_vocabulary_fields(
    client: TestClient,
) -> None:
    sign_in(client)
    page = client.get("/records/new/claim").text
    assert 'hx-get="/vocabularies/quantity?field=quantity"' in page
    assert 'hx-trigger="input changed delay:300ms"' in page
    assert 'hx-target="#picker-quantity"' in page
    assert '<datalist id="terms-of-quantity">' in page and 'value="detained"' in page
    assert "<script>" not in page and "style=" not in page and "<style" not in page
    assert "EDTF" in page


def test_a_term_may_be_typed_as_its_label_and_a_code_in_lower_case(
    vigil: Vigil, client: TestClient, world: World
) -> None:
    token = sign_in(client)
    fields = {"name": "Argun", "kind": "Небольшой город или посёлок", "parent": world.place.lower()}
    code = create(client, token, "place", fields)
    place = show(vigil.workspace, code).record
    assert isinstance(place, Place) and (place.kind, place.parent) == ("town", world.place)


def test_code_fields_suggest_readable_places_and_sources_by_name(
    vigil: Vigil, client: TestClient, world: World
) -> None:
    new_compartment(vigil, "Legal team")
    hidden = add_record(vigil.workspace, Place("", "Hidden village", "village"), "Legal team")
    vigil.add_user("writer", "documenter", PASSPHRASE, ("default",))
    sign_in(client, "writer")
    act = client.get("/records/new/act", params={"incident": world.incident}).text
    assert 'list="records-of-place"' in act
    assert f'<option value="{world.place}">Chechnya</option>' in act
    assert hidden not in act and "Hidden village" not in act
    claim = client.get("/records/new/claim").text
    assert f'<option value="{world.source}">Report</option>' in claim
    person = client.get("/records/new/person").text
    assert "records-of-" not in person  # persons are many, and their names are sealed
