"""Schemathesis against the API's own OpenAPI description, in process: no answer is a 5xx."""

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings

from integration.test_compartments import person
from vigil.bootstrap import Settings, Vigil
from vigil.domain.records import Incident, Place
from vigil.services.dates import parse_date
from vigil.services.recording import add_record
from vigil.web.api.limits import Limits, SlidingWindow
from vigil.web.app import create_app

SEALED_NAME = "Zelimkhan Fuzzcheck"


@pytest.fixture
def api_app(vigil: Vigil, settings: Settings) -> FastAPI:
    ws = vigil.workspace
    add_record(ws, person(SEALED_NAME))
    town = add_record(ws, Place("", "Argun", "town"))
    add_record(ws, Incident("", "Detentions", parse_date("2017-03"), places=(town,)))
    app = create_app(settings)
    many = SlidingWindow(1_000_000, 1.0)
    app.state.api.state.access.limits = Limits(many, many, many)
    return app


@pytest.fixture
def api_token(vigil: Vigil) -> str:
    return vigil.create_token("fuzz", "read-write", ["default"]).text


# The description is the same for every instance: read it from an application that opens
# nothing (no request here reaches an instance), then call each test's own application.
schema = schemathesis.openapi.from_asgi(
    "/api/v1/openapi.json", create_app(Settings(home=Path("unused-instance")))
)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_the_description_allows_makes_a_server_error(
    case: Any, api_app: FastAPI, api_token: str
) -> None:
    response = case.call(app=api_app, headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code < 500, response.text
    for part in SEALED_NAME.split():
        assert part not in response.text
