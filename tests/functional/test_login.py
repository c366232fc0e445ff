"""`vigil login` keeps a session in an agent process; `vigil logout` or idleness ends it."""

import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import PASSPHRASE, instance_environment
from functional.conftest import Run
from vigil.bootstrap import HeldKeys, Settings
from vigil.cli import agent

pytestmark = pytest.mark.slow


@pytest.fixture
def session(run: Run, settings: Settings) -> Iterator[Run]:
    """The `run` function, with any agent a test left running stopped afterwards."""
    yield run
    agent.stop(settings.home)


def add_place(run: Run, name: str = "Argun") -> object:
    return run("place", "add", "--name", name, "--kind", "town", VIGIL_PASSPHRASE="")


def wait_until_gone(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not path.exists():
            return True
        time.sleep(0.1)
    return not path.exists()


def test_after_login_commands_need_no_passphrase_until_logout(
    session: Run, settings: Settings
) -> None:
    refused = add_place(session)
    assert refused.exit_code != 0
    assert "not signed in: run `vigil login`" in refused.output
    login = session("login")
    assert login.exit_code == 0, login.output
    assert "signed in as admin" in login.output
    added = add_place(session)
    assert added.exit_code == 0, added.output
    listed = session("list", "places", "--json", VIGIL_PASSPHRASE="")
    assert listed.exit_code == 0 and "Argun" in listed.output
    logout = session("logout", VIGIL_PASSPHRASE="")
    assert logout.exit_code == 0 and "signed out admin" in logout.output
    after = add_place(session, "Grozny")
    assert after.exit_code != 0
    assert after.output.strip().splitlines() == [
        "Error: not signed in: run `vigil login`, set VIGIL_PASSPHRASE or run in a terminal"
    ]
    actions = [e["action"] for e in json.loads(session("audit", "show", "--json").output)]
    assert "login" in actions and "logout" in actions
    assert session("audit", "verify").exit_code == 0


def test_the_socket_is_private_and_nothing_secret_stays_on_disk(
    session: Run, settings: Settings
) -> None:
    assert session("login").exit_code == 0
    sock = agent.socket_path(settings.home)
    assert stat.S_ISSOCK(sock.stat().st_mode)
    assert stat.S_IMODE(sock.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.home.stat().st_mode) == 0o700
    held = agent.fetch(settings.home)
    assert isinstance(held, HeldKeys) and held.user == "admin"
    assert add_place(session).exit_code == 0
    assert session("logout").exit_code == 0
    assert not sock.exists()
    assert agent.fetch(settings.home) is None
    secrets = [PASSPHRASE.encode(), held.private_key, held.kek]
    if held.database_key is not None:
        secrets.append(held.database_key)
    forms = [
        s for secret in secrets[1:] for s in (secret.hex().encode(), secret.hex().upper().encode())
    ]
    for path in settings.home.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for secret in secrets + forms:
                assert secret not in content, path.name


def test_an_idle_session_expires(session: Run, settings: Settings) -> None:
    assert session("login", VIGIL_SESSION_MINUTES="0.02").exit_code == 0
    assert wait_until_gone(agent.socket_path(settings.home), 15)
    refused = add_place(session)
    assert refused.exit_code != 0
    assert "not signed in" in refused.output


def test_a_wrong_passphrase_starts_no_session(session: Run, settings: Settings) -> None:
    result = session("login", VIGIL_PASSPHRASE="not the passphrase")
    assert result.exit_code != 0
    assert result.output.count("\n") == 1 and "nothing was changed" in result.output
    assert not agent.socket_path(settings.home).exists()


def test_logout_without_a_session_says_so(session: Run) -> None:
    result = session("logout", VIGIL_PASSPHRASE="")
    assert result.exit_code == 0 and "no login session" in result.output


def test_a_bad_session_setting_is_one_line(session: Run) -> None:
    result = session("login", VIGIL_SESSION_MINUTES="forever")
    assert result.exit_code != 0
    assert result.output.count("\n") == 1 and "VIGIL_SESSION_MINUTES" in result.output


def test_the_installed_command_uses_the_session_across_processes(
    session: Run, settings: Settings
) -> None:
    env = {**os.environ, **instance_environment(settings)}
    vigil = [sys.executable, "-c", "from vigil.cli.main import main; main()"]

    def command(*args: str, passphrase: bool = False) -> subprocess.CompletedProcess[str]:
        environment = dict(env)
        if not passphrase:
            environment.pop("VIGIL_PASSPHRASE", None)
        return subprocess.run(
            [*vigil, *args],
            env=environment,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )

    assert command("login", passphrase=True).returncode == 0
    listed = command("overview", "--json")
    assert listed.returncode == 0, listed.stderr
    assert command("logout").returncode == 0
    refused = command("overview", "--json")
    assert refused.returncode != 0  # what one sees depends on who one is: reading signs in
    assert refused.stderr.strip().startswith("Error: not signed in")
    assert "Traceback" not in refused.stderr
