"""Compartments: members read, non-members see nothing, a removed member loses what follows."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from conftest import PASSPHRASE
from integration.test_sealing import assert_nowhere, unique_name
from vigil.bootstrap import Settings, Vigil
from vigil.crypto.audit_log import VERIFY_KEY_SETTING, verify_log
from vigil.domain.codes import RecordKind
from vigil.domain.errors import DomainError
from vigil.domain.records import Identity, Person, Place
from vigil.services import compartments
from vigil.services.accounts import ROLES
from vigil.services.permissions import NotAllowed
from vigil.services.person_search import find_persons
from vigil.services.ports import SealBroken
from vigil.services.querying import ListFilters, history, list_records, overview
from vigil.services.recording import add_record, edit_record, show
from vigil.services.stored import seal_context
from vigil.services.workspace import NotFound


def add_user(vigil: Vigil, name: str, role: str, *where: str) -> None:
    vigil.add_user(name, role, PASSPHRASE, where)


@contextmanager
def signed_in(settings: Settings, name: str) -> Iterator[Vigil]:
    other = Vigil.open(settings)
    try:
        other.sign_in(name, PASSPHRASE)
        yield other
    finally:
        other.close()


def person(name: str) -> Person:
    return Person("", "a witness", identity=Identity(names=(name,)))


def new_compartment(vigil: Vigil, name: str, *members: str) -> None:
    assert vigil.session is not None
    compartments.create(vigil.workspace, vigil.store, vigil.user_keys, vigil.session, name, members)


@pytest.mark.parametrize("role", ROLES)
def test_a_member_of_one_compartment_sees_nothing_of_another(
    vigil: Vigil, settings: Settings, role: str
) -> None:
    new_compartment(vigil, "Hotline 2017")
    new_compartment(vigil, "Legal team")
    hidden = add_record(vigil.workspace, person("Hidden Name"), "Legal team")
    place = add_record(vigil.workspace, Place("", "Argun", "town"), "Legal team")
    seen = add_record(vigil.workspace, Place("", "Grozny", "city"), "Hotline 2017")
    add_user(vigil, "member", role, "Hotline 2017")
    with signed_in(settings, "member") as member:
        ws = member.workspace
        assert ws.readable == ("Hotline 2017",)
        listed = [v.record.code for v in list_records(ws, RecordKind.PLACE, ListFilters())]
        assert listed == [seen]
        assert list_records(ws, RecordKind.PERSON, ListFilters()) == []
        for code in (hidden, place):
            with pytest.raises(NotFound):
                show(ws, code)
            with pytest.raises(NotFound):
                history(ws, code)
            with pytest.raises((NotFound, NotAllowed)):
                edit_record(ws, code, {"name": "x"})
        with pytest.raises((NotFound, NotAllowed)):
            show(ws, hidden, reveal=True)
        assert overview(ws).records[RecordKind.PERSON] == 0
        with pytest.raises(NotAllowed):
            ws.cipher_for("Legal team")


def test_a_removed_member_cannot_read_what_is_written_afterwards(
    vigil: Vigil, settings: Settings
) -> None:
    new_compartment(
        vigil,
        "Hotline 2017",
    )
    add_user(vigil, "leaver", "documenter", "Hotline 2017")
    before = add_record(vigil.workspace, person("Before Removal"), "Hotline 2017")
    with signed_in(settings, "leaver") as leaver:
        assert leaver.session is not None
        kept = leaver.session.cipher(leaver.user_keys, "Hotline 2017")  # what they could copy
        assert show(leaver.workspace, before, reveal=True).record.identity is not None  # type: ignore[union-attr]
    assert vigil.session is not None
    version = compartments.remove_member(
        vigil.workspace, vigil.store, vigil.user_keys, vigil.session, "Hotline 2017", "leaver"
    )
    assert version == 2
    after = add_record(vigil.workspace, person("After Removal"), "Hotline 2017")
    compartments.rekey(vigil.workspace, vigil.store, vigil.user_keys, vigil.session, "Hotline 2017")
    for code in (after, before):
        stored = vigil.store.get(code)
        assert stored is not None and stored.sealed is not None
        with pytest.raises(SealBroken):
            kept.open(stored.sealed, seal_context(stored.kind, stored.code))
        for entry in vigil.store.history(code):
            assert entry.sealed is not None
            with pytest.raises(SealBroken):
                kept.open(entry.sealed, seal_context(entry.kind, entry.code))
    with signed_in(settings, "leaver") as leaver:
        assert leaver.workspace.readable == ()
        with pytest.raises(NotFound):
            show(leaver.workspace, after, reveal=True)
    revealed = show(vigil.workspace, before, reveal=True).record
    assert revealed.identity.names == ("Before Removal",)  # type: ignore[union-attr]


def test_an_interrupted_rotation_resumes_and_then_drops_the_old_keys(
    vigil: Vigil, settings: Settings
) -> None:
    new_compartment(vigil, "Hotline 2017")
    add_user(vigil, "stays", "documenter", "Hotline 2017")
    add_user(vigil, "leaves", "documenter", "Hotline 2017")
    names = [unique_name() for _ in range(7)]
    codes = [add_record(vigil.workspace, person(name), "Hotline 2017") for name in names]
    edit_record(vigil.workspace, codes[0], {"description": "edited"})
    assert vigil.session is not None
    compartments.remove_member(
        vigil.workspace, vigil.store, vigil.user_keys, vigil.session, "Hotline 2017", "leaves"
    )

    def stop_after_first_batch(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        compartments.rekey(
            vigil.workspace,
            vigil.store,
            vigil.user_keys,
            vigil.session,
            "Hotline 2017",
            progress=stop_after_first_batch,
            batch=3,
        )
    cipher = vigil.workspace.cipher_for("Hotline 2017")
    versions = [
        cipher.version_of(e.sealed) for c in codes for e in vigil.store.history(c) if e.sealed
    ]
    assert versions.count(2) == 3 and versions.count(1) == len(versions) - 3
    listed = compartments.list_compartments(vigil.store, vigil.session)
    assert [c.rekey_pending for c in listed if c.name == "Hotline 2017"] == [True]
    with signed_in(settings, "stays") as stays:
        assert stays.session is not None
        result = compartments.rekey(
            stays.workspace, stays.store, stays.user_keys, stays.session, "Hotline 2017", batch=3
        )
        assert result.resealed == len(versions) - 3 + len(codes)
        assert result.wraps_deleted == 2  # version 1 of the administrator and of "stays"
    assert {w.key_version for w in vigil.store.wraps_of("Hotline 2017")} == {2}
    with signed_in(settings, "stays") as stays:
        for code, name in zip(codes, names, strict=True):
            record = show(stays.workspace, code, reveal=True).record
            assert record.identity.names == (name,)  # type: ignore[union-attr]
    for name in names:
        assert_nowhere(vigil, name)
    key = vigil.store.read_setting(VERIFY_KEY_SETTING)
    assert key is not None and verify_log(vigil.store.audit_rows(), key) == []
    actions = [row.action for row in vigil.store.audit_rows()]
    assert "member-remove" in actions and actions.count("rekey") == 1


def test_only_members_can_rotate_and_only_administrators_manage(
    vigil: Vigil, settings: Settings
) -> None:
    new_compartment(vigil, "Legal team")
    add_user(vigil, "coordinator", "coordinator", "Legal team")
    with signed_in(settings, "coordinator") as other:
        assert other.session is not None
        with pytest.raises(NotAllowed):
            compartments.create(
                other.workspace, other.store, other.user_keys, other.session, "Mine"
            )
        with pytest.raises(NotAllowed):
            compartments.remove_member(
                other.workspace, other.store, other.user_keys, other.session, "Legal team", "admin"
            )
    with pytest.raises(NotAllowed, match="reserved"):
        new_compartment(vigil, "instance")
    with pytest.raises(NotAllowed, match="already exists"):
        new_compartment(vigil, "Legal team")
    with pytest.raises(NotAllowed, match="not a member"):
        assert vigil.session is not None
        compartments.remove_member(
            vigil.workspace, vigil.store, vigil.user_keys, vigil.session, "Legal team", "nobody"
        )


def test_an_instance_without_an_instance_compartment_gets_one_at_sign_in(
    vigil: Vigil, settings: Settings
) -> None:
    """Instances made before the instance compartment keep a verifiable audit log."""
    from vigil.crypto.audit_log import reseal_signer

    assert vigil.session is not None
    add_user(vigil, "second", "viewer")
    reseal_signer(
        vigil.store,
        vigil.session.cipher(vigil.user_keys, "instance"),
        vigil.session.cipher(vigil.user_keys, "default"),
    )
    vigil.store.delete_wraps("instance")
    with vigil.store.transaction():
        from sqlalchemy import delete

        from vigil.storage.tables import compartment

        with vigil.store._conn() as conn:
            conn.execute(delete(compartment).where(compartment.c.name == "instance"))
    vigil.close()
    with signed_in(settings, "admin") as again:
        add_record(again.workspace, Place("", "Argun", "town"))
        assert again.store.compartment_version("instance") == 1
        holders = {w.holder for w in again.store.wraps_of("instance")}
        assert holders == {"admin", "second"}
        key = again.store.read_setting(VERIFY_KEY_SETTING)
        assert key is not None and verify_log(again.store.audit_rows(), key) == []
    with signed_in(settings, "second") as second:
        assert second.workspace.audit is not None


def test_name_search_stays_in_ones_compartments_and_follows_a_rotation(
    vigil: Vigil, settings: Settings
) -> None:
    new_compartment(vigil, "Legal team")
    hidden = add_record(vigil.workspace, person("Maxim Lapunov"), "Legal team")
    shared = add_record(vigil.workspace, person("Maksim Lapunov"))
    add_user(vigil, "helper", "documenter", "default")
    add_user(vigil, "leaver", "documenter", "Legal team")
    with signed_in(settings, "helper") as helper:
        found = find_persons(helper.workspace, "Максим Лапунов").matches
        assert [m.code for m in found] == [shared]
    assert vigil.session is not None
    compartments.remove_member(
        vigil.workspace, vigil.store, vigil.user_keys, vigil.session, "Legal team", "leaver"
    )
    with pytest.raises(DomainError, match="reindex"):
        find_persons(vigil.workspace, "Maxim Lapunov")
    compartments.rekey(vigil.workspace, vigil.store, vigil.user_keys, vigil.session, "Legal team")
    found = find_persons(vigil.workspace, "Максим Лапунов").matches
    assert sorted(m.code for m in found) == sorted([hidden, shared])
