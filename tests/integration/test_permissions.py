"""Every service, every role: allowed or refused exactly as the permission matrix says."""

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import PASSPHRASE
from integration.test_compartments import add_user, new_compartment, signed_in
from vigil.bootstrap import Settings, Vigil
from vigil.cli.csv_export import write_csv
from vigil.domain.codes import RecordKind
from vigil.domain.records import Identity, Person, Place
from vigil.services import accounts, compartments
from vigil.services.auditing import audit_entries
from vigil.services.demo import load_demo
from vigil.services.permissions import PERMISSIONS, ROLES, NotAllowed, allows
from vigil.services.person_search import find_persons
from vigil.services.querying import ListFilters, history, list_records, overview
from vigil.services.recording import add_record, delete_record, edit_record, show
from vigil.services.transfer import ExportOptions, Importer, write_export


@dataclass
class World:
    """An instance seen by one user: their Vigil, a public and a sealed record, a folder."""

    me: Vigil
    place: str
    person: str
    export: str
    folder: Path


def _session(v: Vigil) -> accounts.Session:
    assert v.session is not None
    return v.session


Operation = Callable[[World], Any]

OPERATIONS: dict[str, tuple[str, Operation]] = {
    "add a record": ("record.write", lambda w: add_record(w.me.workspace, Place("", "X", "town"))),
    "edit a record": (
        "record.write",
        lambda w: edit_record(w.me.workspace, w.place, {"name": "Argun (town)"}),
    ),
    "show a record": ("record.read", lambda w: show(w.me.workspace, w.place)),
    "list records": (
        "record.read",
        lambda w: list_records(w.me.workspace, RecordKind.PLACE, ListFilters()),
    ),
    "read a history": ("record.read", lambda w: history(w.me.workspace, w.place)),
    "see the overview": ("record.read", lambda w: overview(w.me.workspace)),
    "reveal an identity": (
        "sealed.reveal",
        lambda w: show(w.me.workspace, w.person, reveal=True),
    ),
    "find a person": (
        "person.find",
        lambda w: find_persons(w.me.workspace, "Some Name"),
    ),
    "export everything": (
        "export.full",
        lambda w: write_export(
            w.me.workspace, w.me.keyring, ExportOptions(passphrase=PASSPHRASE), io.StringIO()
        ),
    ),
    "export tables": ("export.tables", lambda w: write_csv(w.me.workspace, w.folder)),
    "import a file": (
        "import",
        lambda w: Importer(w.me.workspace, w.me.keyring, PASSPHRASE).run(
            io.StringIO(w.export).read().splitlines()[:1]
        ),
    ),
    "load the demonstration": ("import", lambda w: load_demo(w.me.workspace)),
    "read the audit log": (
        "audit.read",
        lambda w: list(audit_entries(w.me.workspace, w.me.store)),
    ),
    "list users": ("user.manage", lambda w: accounts.list_users(w.me.store, _session(w.me))),
    "add a user": (
        "user.manage",
        lambda w: accounts.add_user(
            w.me.store,
            w.me.user_keys,
            _session(w.me),
            "newcomer",
            "viewer",
            PASSPHRASE,
            (),
            w.me.workspace.clock(),
        ),
    ),
    "disable a user": (
        "user.manage",
        lambda w: accounts.set_disabled(w.me.store, _session(w.me), "admin", True),
    ),
    "change a role": (
        "user.manage",
        lambda w: accounts.set_role(w.me.store, _session(w.me), "admin", "admin"),
    ),
    "create a compartment": (
        "compartment.manage",
        lambda w: compartments.create(
            w.me.workspace, w.me.store, w.me.user_keys, _session(w.me), "Legal team"
        ),
    ),
    "add a member": (
        "compartment.manage",
        lambda w: compartments.add_member(
            w.me.workspace, w.me.store, w.me.user_keys, _session(w.me), "default", "outsider"
        ),
    ),
    "remove a member": (
        "compartment.manage",
        lambda w: compartments.remove_member(
            w.me.workspace, w.me.store, w.me.user_keys, _session(w.me), "default", "admin"
        ),
    ),
    "split the recovery key": ("recovery.manage", lambda w: w.me.split_recovery(2, 3)),
    "re-encrypt a compartment": (
        "compartment.rekey",
        lambda w: compartments.rekey(
            w.me.workspace, w.me.store, w.me.user_keys, _session(w.me), "default"
        ),
    ),
    "delete a record": ("record.delete", lambda w: delete_record(w.me.workspace, w.person)),
}


def test_the_matrix_names_only_known_roles_and_every_permission_is_exercised() -> None:
    assert all(roles <= set(ROLES) for roles in PERMISSIONS.values())
    assert {permission for permission, _ in OPERATIONS.values()} == set(PERMISSIONS)


@pytest.fixture
def world(vigil: Vigil, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    """Return a function giving, for a role, a World seen by a member of that role."""

    def enter(role: str) -> World:
        place = add_record(vigil.workspace, Place("", "Argun", "town"))
        person = add_record(
            vigil.workspace, Person("", "a witness", identity=Identity(names=("Some Name",)))
        )
        buffer = io.StringIO()
        write_export(vigil.workspace, vigil.keyring, ExportOptions(passphrase=PASSPHRASE), buffer)
        add_user(vigil, "outsider", "viewer")
        add_user(vigil, "me", role, "default")
        new_compartment(vigil, "spare")
        context = signed_in(settings, "me")
        me = context.__enter__()
        request.addfinalizer(lambda: context.__exit__(None, None, None))
        return World(me, place, person, buffer.getvalue(), tmp_path / "tables")

    return enter


@pytest.mark.parametrize("role", ROLES)
def test_every_service_allows_or_refuses_each_role_as_the_matrix_says(
    world: Callable[[str], World], role: str
) -> None:
    w = world(role)
    outcomes = {}
    for name, (permission, operation) in OPERATIONS.items():
        try:
            operation(w)
            outcomes[name] = "allowed"
        except NotAllowed as error:
            outcomes[name] = "refused" if permission in str(error) else f"refused: {error}"
        except Exception as error:
            outcomes[name] = f"allowed ({type(error).__name__})"
    expected = {
        name: "allowed" if allows(role, permission) else "refused"
        for name, (permission, _) in OPERATIONS.items()
    }
    got = {name: outcome.split(" (")[0] for name, outcome in outcomes.items()}
    assert got == expected, outcomes
