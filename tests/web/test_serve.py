"""`vigil serve` starts one server process with the production settings."""

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner
from fastapi import FastAPI

from vigil.cli.main import cli


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    return calls


def serve(tmp_path: Path, *args: str) -> None:
    result = CliRunner().invoke(
        cli, ["serve", *args], env={"VIGIL_HOME": str(tmp_path)}, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output


def test_serve_runs_one_process_without_request_logs_or_server_banner(
    tmp_path: Path, started: list[tuple[Any, dict[str, Any]]]
) -> None:
    serve(tmp_path)
    [(app, options)] = started
    assert isinstance(app, FastAPI)  # an application object: uvicorn cannot fork workers
    assert "workers" not in options and "reload" not in options
    assert options["host"] == "127.0.0.1" and options["port"] == 8000
    assert options["access_log"] is False  # URLs carry filters; nothing logged per request
    assert options["server_header"] is False
    assert options["forwarded_allow_ips"] == "127.0.0.1"


def test_serve_options_reach_the_server(
    tmp_path: Path, started: list[tuple[Any, dict[str, Any]]]
) -> None:
    serve(
        tmp_path,
        "--host",
        "0.0.0.0",  # noqa: S104 - only passed on, nothing listens
        "--port",
        "8123",
        "--access-log",
        "--forwarded-allow-ips",
        "10.0.0.2",
    )
    [(_, options)] = started
    assert (options["host"], options["port"]) == ("0.0.0.0", 8123)  # noqa: S104
    assert options["access_log"] is True
    assert options["forwarded_allow_ips"] == "10.0.0.2"


def test_serve_opens_nothing_before_a_sign_in(
    tmp_path: Path, started: list[tuple[Any, dict[str, Any]]]
) -> None:
    serve(tmp_path)
    assert started and list(tmp_path.iterdir()) == []
