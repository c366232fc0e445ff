"""The incidents list (filters, full-text search, pages, htmx) and the dashboard, in process."""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from alembic import command
from click.testing import CliRunner
from fastapi.testclient import TestClient

from conftest import PASSPHRASE, instance_environment
from integration.test_compartments import new_compartment, person
from vigil.bootstrap import Settings, Vigil
from vigil.cli.main import cli
from vigil.domain.counts import CountValue, Qualifier
from vigil.domain.records import Act, Claim, CountClaim, Incident, Place, Source
from vigil.services.dates import parse_date
from vigil.services.permissions import ROLES
from vigil.services.recording import add_record
from vigil.storage.engine import _alembic_config
from vigil.web import overview
from vigil.web.app import create_app
from web.test_web import sign_in

SEALED_NAME = "Zelimkhan Listsearchcheck"
TESTIMONY = "Ruslanbek told of the cellar under the station"
HOTLINE = "Hotline 2017"
LEGAL = "Legal team"


@pytest.fixture
def client(vigil: Vigil, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@dataclass
class Sample:
    region: str
    town: str
    other: str
    source: str
    detention: str  # 2017, in the town, secret detention, corroborated, with a sealed victim
    torture: str  # 2019, in the other town, torture, alleged
    hidden: str  # Legal team only, alleged
    claims: tuple[str, str]


def codes(html: str) -> set[str]:
    return set(re.findall(r'href="/records/(I-[0-9A-Z]{6})"', html))


def sample(vigil: Vigil) -> Sample:
    ws = vigil.workspace
    new_compartment(vigil, HOTLINE)
    new_compartment(vigil, LEGAL)
    region = add_record(ws, Place("", "Southern Region", "region"), HOTLINE)
    town = add_record(ws, Place("", "Argun", "town", {"ru": "Аргун"}, parent=region), HOTLINE)
    other = add_record(ws, Place("", "Grozny", "town"), HOTLINE)
    victim = add_record(ws, person(SEALED_NAME), HOTLINE)
    detention = add_record(
        ws,
        Incident(
            "",
            "Detentions near the market",
            parse_date("2017-03"),
            places=(town,),
            description="Men were taken to an unofficial facility at night.",
            status="corroborated",
        ),
        HOTLINE,
    )
    add_record(ws, Act("", detention, "secret-detention", victim_person=victim), HOTLINE)
    torture = add_record(
        ws,
        Incident("", "Beatings reported in custody", parse_date("2019-05"), places=(other,)),
        HOTLINE,
    )
    add_record(ws, Act("", torture, "torture", victim_person=victim), HOTLINE)
    hidden = add_record(
        ws, Incident("", "Hidden market case", parse_date("2017-03"), places=(town,)), LEGAL
    )
    source = add_record(ws, Source("", "news-article", "Novaya Gazeta report"), HOTLINE)
    testimony = add_record(
        ws, Source("", "testimony", "Witness account", content=TESTIMONY), HOTLINE
    )
    first = add_record(
        ws,
        Claim(
            "",
            source,
            supports=(detention,),
            count=CountClaim(
                "detained",
                CountValue.single(Qualifier.MORE_THAN, 100),
                as_of=parse_date("2017-04-01"),
            ),
        ),
        HOTLINE,
    )
    second = add_record(
        ws,
        Claim(
            "",
            testimony,
            excerpt=TESTIMONY,
            count=CountClaim(
                "detained", CountValue.single(Qualifier.EXACT, 27), as_of=parse_date("2017-05")
            ),
        ),
        HOTLINE,
    )
    secret_source = add_record(ws, Source("", "ngo-report", "Hidden team report"), LEGAL)
    add_record(
        ws,
        Claim(
            "",
            secret_source,
            count=CountClaim(
                "detained", CountValue.single(Qualifier.ABOUT, 777), as_of=parse_date("2018")
            ),
        ),
        LEGAL,
    )
    return Sample(region, town, other, source, detention, torture, hidden, (first, second))


def member(vigil: Vigil, client: TestClient, role: str = "viewer") -> None:
    vigil.add_user("member", role, PASSPHRASE, (HOTLINE,))
    sign_in(client, "member")


def listed(client: TestClient, **params: str) -> set[str]:
    response = client.get("/incidents", params=params)
    assert response.status_code == 200, response.text
    return codes(response.text)


def test_each_filter_narrows_the_list(vigil: Vigil, client: TestClient) -> None:
    s = sample(vigil)
    member(vigil, client)
    assert listed(client) == {s.detention, s.torture}
    assert listed(client, period="2017") == {s.detention}
    assert listed(client, period="2019-05-03") == {s.torture}
    assert listed(client, place=s.region) == {s.detention}  # the town is inside the region
    assert listed(client, place=s.other) == {s.torture}
    assert listed(client, act_type="deprivation-of-liberty") == {s.detention}  # a subtree
    assert listed(client, act_type="torture") == {s.torture}
    assert listed(client, status="corroborated") == {s.detention}
    assert listed(client, status="alleged") == {s.torture}
    assert listed(client, source=s.source) == {s.detention}
    assert listed(client, compartment=HOTLINE) == {s.detention, s.torture}
    assert listed(client, period="2017", place=s.other) == set()


def test_the_filter_form_offers_names_and_labels(vigil: Vigil, client: TestClient) -> None:
    s = sample(vigil)
    member(vigil, client)
    page = client.get("/incidents").text
    assert f'<option value="{s.town}">' in page and "Argun" in page
    assert "Southern Region" in page
    assert 'value="secret-detention"' in page and "Secret detention" in page
    assert "Corroborated" in page and HOTLINE in page and LEGAL not in page
    assert "Argun</td>" in page  # the list names the places of each incident


def test_text_search_finds_public_words_and_never_a_sealed_one(
    vigil: Vigil, client: TestClient
) -> None:
    s = sample(vigil)
    member(vigil, client, "documenter")
    assert listed(client, text="market") == {s.detention}  # title
    assert listed(client, text="Unofficial FACILITY") == {s.detention}  # description, any case
    assert listed(client, text="custo") == {s.torture}  # the beginning of a word
    assert listed(client, text="market beatings") == set()  # every word must be found
    for secret in (*SEALED_NAME.split(), "Ruslanbek", "cellar"):
        response = client.get("/incidents", params={"text": secret})
        assert response.status_code == 200
        assert codes(response.text) == set()
        assert "Zelimkhan" not in response.text.replace(secret, "")


def test_pages_follow_each_other(
    vigil: Vigil, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = sample(vigil)
    extra = add_record(vigil.workspace, Incident("", "Later raid", parse_date("2020")), HOTLINE)
    member(vigil, client)
    monkeypatch.setattr(overview, "PAGE_SIZE", 2)
    first = client.get("/incidents").text
    assert codes(first) == {extra, s.torture}  # newest first
    assert 'rel="next" href="/incidents?page=2"' in first and 'rel="prev"' not in first
    second = client.get("/incidents", params={"page": "2"}).text
    assert codes(second) == {s.detention}
    assert 'rel="prev" href="/incidents"' in second and 'rel="next"' not in second
    filtered = client.get("/incidents", params={"period": "2017/2020", "page": "1"}).text
    assert "period=2017%2F2020&amp;page=2" in filtered


def test_htmx_gets_only_the_results(vigil: Vigil, client: TestClient) -> None:
    s = sample(vigil)
    member(vigil, client)
    page = client.get("/incidents", params={"status": "alleged"}).text
    assert 'hx-get="/incidents"' in page and 'hx-target="#results"' in page
    fragment = client.get(
        "/incidents", params={"status": "alleged"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "<form" not in fragment.text
    assert codes(fragment.text) == {s.torture}


@pytest.mark.parametrize(
    ("name", "value", "label"),
    [
        ("period", "not a date", "Period (EDTF)"),
        ("place", "S-AAAAAA", "Place"),
        ("act_type", "tortures", "Act type"),
        ("status", "proven", "Status"),
        ("source", "L-AAAAAA", "Source code"),
        ("compartment", LEGAL, "Compartment"),
        ("compartment", "No such team", "Compartment"),
        ("text", "!!! ...", "Words"),
        ("page", "0", "Page"),
        ("page", "two", "Page"),
    ],
)
def test_a_bad_filter_is_refused_naming_it(
    vigil: Vigil, client: TestClient, name: str, value: str, label: str
) -> None:
    sample(vigil)
    member(vigil, client)
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get("/incidents", params={name: value}, headers=headers)
        assert response.status_code == 400
        errors = re.findall(r'<p class="error" role="alert">([^<]*)</p>', response.text)
        assert len(errors) == 1 and errors[0].startswith(label + ":")
        assert "Hidden market case" not in response.text


def test_a_non_member_never_sees_a_compartment_in_list_or_dashboard(
    vigil: Vigil, client: TestClient
) -> None:
    s = sample(vigil)
    member(vigil, client)
    pages = [
        client.get("/incidents").text,
        client.get("/incidents", params={"text": "hidden"}).text,
        client.get("/incidents", params={"status": "alleged", "place": s.town}).text,
        client.get("/").text,
    ]
    for html in pages:
        assert s.hidden not in html and "Hidden market case" not in html
        assert "Hidden team report" not in html and "about 777" not in html
    assert s.torture in pages[3]  # the queue lists the member's own alleged incident


def test_the_dashboard_shows_counts_side_by_side_a_timeline_and_a_queue(
    vigil: Vigil, client: TestClient
) -> None:
    s = sample(vigil)
    member(vigil, client)
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    counts = html[html.index("what each source said") :]
    newest, older = counts.index("<td>27</td>"), counts.lower().index("<td>more than 100</td>")
    assert newest < older  # side by side, newest first
    assert "Novaya Gazeta report" in counts and "Witness account" in counts
    assert all(claim in counts for claim in s.claims)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count('<rect class="bar"') == 3  # 2017, an empty 2018, 2019
    assert ">2017</text>" in svg and "style=" not in html
    assert "<title>2019: 1 incident</title>" in svg and "<title>2018: 0 incidents</title>" in svg
    queue = html[html.index("Your work queue") : html.index("Incidents per year")]
    assert f'href="/records/{s.torture}"' in queue  # alleged: not yet checked
    assert s.detention not in queue  # corroborated
    assert f'href="/records/{s.claims[1]}"' in queue  # supports nothing yet
    assert s.claims[0] not in queue
    for secret in (*SEALED_NAME.split(), "Ruslanbek"):
        assert secret not in html


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_dashboard_and_the_list(
    vigil: Vigil, client: TestClient, role: str
) -> None:
    s = sample(vigil)
    member(vigil, client, role)
    assert s.torture in client.get("/").text
    assert listed(client, text="beatings") == {s.torture}


def test_signed_out_readers_go_to_sign_in(vigil: Vigil, client: TestClient) -> None:
    for path in ("/", "/incidents", "/incidents?text=market"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/sign-in"


def test_the_list_command_searches_text_and_filters_status(
    vigil: Vigil, settings: Settings
) -> None:
    s = sample(vigil)
    run = CliRunner()
    env = instance_environment(settings)

    def listed_by_cli(*args: str) -> set[str]:
        result = run.invoke(cli, ["list", "incidents", "--json", *args], env=env)
        assert result.exit_code == 0, result.output
        return {row["code"] for row in json.loads(result.output)}

    assert listed_by_cli("--text", "facility") == {s.detention}
    assert listed_by_cli("--text", SEALED_NAME) == set()
    assert listed_by_cli("--status", "alleged", "--compartment", LEGAL) == {s.hidden}
    wrong = run.invoke(cli, ["list", "incidents", "--status", "proven"], env=env)
    assert wrong.exit_code != 0 and "--status" in wrong.output


def test_the_search_migration_indexes_the_incidents_already_there(
    vigil: Vigil, client: TestClient
) -> None:
    s = sample(vigil)
    engine = vigil.store.engine
    with engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0006")
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
    member(vigil, client)
    assert listed(client, text="facility") == {s.detention}
    assert listed(client, text="Zelimkhan") == set()


def test_names_and_labels_follow_the_readers_language(vigil: Vigil, client: TestClient) -> None:
    s = sample(vigil)
    member(vigil, client)
    page = client.get("/incidents", headers={"accept-language": "ru"}).text
    assert f'<option value="{s.town}">' in page and "Аргун" in page
    assert "Подкреплено" in page  # the status "corroborated"
    assert "Тайное содержание под стражей" in page  # the act type "secret detention"


def test_the_page_lists_the_newest_incidents_first_and_the_undated_last(
    vigil: Vigil, client: TestClient
) -> None:
    ws = vigil.workspace
    undated = add_record(ws, Incident("", "Date not known"))
    older = add_record(ws, Incident("", "Older", parse_date("2017-02")))
    newer = add_record(ws, Incident("", "Newer", parse_date("2019-05")))
    sign_in(client)
    page = client.get("/incidents").text
    assert page.index(newer) < page.index(older) < page.index(undated)


def test_a_new_place_is_offered_at_once_though_the_place_tree_is_kept(
    vigil: Vigil, client: TestClient
) -> None:
    sign_in(client)
    assert "Shali" not in client.get("/incidents").text
    add_record(vigil.workspace, Place("", "Shali", "town"))
    assert "Shali" in client.get("/incidents").text


def test_the_chosen_place_stays_selected_and_place_names_are_escaped(
    vigil: Vigil, client: TestClient
) -> None:
    region = add_record(vigil.workspace, Place("", "Region <b>one</b>", "region"))
    town = add_record(vigil.workspace, Place("", "Town & river", "town", parent=region))
    sign_in(client)
    page = client.get("/incidents", params={"place": town}).text
    assert f'<option value="{town}" selected>' in page
    assert f'<option value="{region}">' in page
    assert "Region &lt;b&gt;one&lt;/b&gt;" in page and "<b>one" not in page
    assert "\u00a0\u00a0Town &amp; river" in page  # one level below its region
