"""The embedded database file is encrypted as a whole (SQLCipher) and opens only by sign-in."""

import hashlib
import stat
import uuid
from pathlib import Path

import pytest

import vigil.crypto.user_keys as user_keys_module
from conftest import FAST_KDF, PASSPHRASE
from integration.helpers import add_sample
from vigil.bootstrap import Settings, Vigil
from vigil.domain.records import Incident, Person
from vigil.services import accounts
from vigil.services.accounts import SignInFailed
from vigil.services.recording import add_record, show
from vigil.storage.engine import SQLITE_HEADER, is_plain_database, migrate

OTHER = "another long passphrase"


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def contents(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())


@pytest.fixture
def home(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "instance")


def test_the_file_has_no_sqlite_header_and_no_public_plaintext(home: Settings) -> None:
    title = f"Detentions-{uuid.uuid4().hex[:10]}"
    vigil = Vigil.create(home, PASSPHRASE, kdf=FAST_KDF)
    try:
        add_sample(vigil.workspace)
        add_record(vigil.workspace, Incident("", title))
    finally:
        vigil.close()
    assert not home.database_file.read_bytes().startswith(SQLITE_HEADER)
    assert not is_plain_database(home.database_file)
    everything = contents(home.home)
    for public in (title, "Argun", "Аргун", "incident_current", "admin"):
        assert public.encode() not in everything, public
    assert stat.S_IMODE(home.key_file.stat().st_mode) == 0o600
    reopened = Vigil.open(home)
    try:
        assert reopened.locked
        reopened.sign_in("admin", PASSPHRASE)
        assert sum(reopened.store.count_by_kind().values()) > 0
    finally:
        reopened.close()


def test_a_wrong_passphrase_is_one_clear_error_and_changes_nothing(home: Settings) -> None:
    vigil = Vigil.create(home, PASSPHRASE, kdf=FAST_KDF)
    add_sample(vigil.workspace)
    before_counts = vigil.store.count_by_kind()
    vigil.close()
    before = snapshot(home.home)
    for user, passphrase in (("admin", "not the passphrase"), ("nobody", PASSPHRASE)):
        reopened = Vigil.open(home)
        with pytest.raises(SignInFailed, match=r"^unknown user or wrong passphrase$"):
            reopened.sign_in(user, passphrase)
        reopened.close()
    assert snapshot(home.home) == before
    reopened = Vigil.open(home)
    try:
        reopened.sign_in("admin", PASSPHRASE)
        assert reopened.store.count_by_kind() == before_counts
    finally:
        reopened.close()


def test_opening_and_signing_in_derive_the_passphrase_key_once(
    home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    Vigil.create(home, PASSPHRASE, kdf=FAST_KDF).close()
    calls: list[object] = []
    real = user_keys_module.derive_key

    def counting(passphrase: str, parameters: object) -> bytes:
        calls.append(parameters)
        return real(passphrase, parameters)  # type: ignore[arg-type]

    monkeypatch.setattr(user_keys_module, "derive_key", counting)
    reopened = Vigil.open(home)
    try:
        reopened.sign_in("admin", PASSPHRASE)
    finally:
        reopened.close()
    assert len(calls) == 1


def test_a_user_added_by_an_administrator_can_open_the_file(home: Settings) -> None:
    vigil = Vigil.create(home, PASSPHRASE, kdf=FAST_KDF)
    try:
        vigil.add_user("ruslan", "documenter", OTHER, ("default",))
    finally:
        vigil.close()
    reopened = Vigil.open(home)
    try:
        reopened.sign_in("ruslan", OTHER)
        assert reopened.session is not None and reopened.session.user.name == "ruslan"
    finally:
        reopened.close()


def test_a_plain_instance_is_converted_at_its_first_sign_in_and_keeps_every_record(
    home: Settings,
) -> None:
    home.home.mkdir(mode=0o700)
    plain = Vigil(home, FAST_KDF)
    migrate(plain.engine)
    session = accounts.create_first_admin(
        plain.store, plain.user_keys, "admin", PASSPHRASE, plain.workspace.clock()
    )
    plain._signed_in(session, PASSPHRASE)
    accounts.add_user(
        plain.store,
        plain.user_keys,
        session,
        "ruslan",
        "documenter",
        OTHER,
        ("default",),
        plain.workspace.clock(),
    )
    samples = [add_sample(plain.workspace, f"Name {n}") for n in range(3)]
    counts = plain.store.count_by_kind()
    versions = len(list(plain.store.versions()))
    plain.close()
    assert home.database_file.read_bytes().startswith(SQLITE_HEADER)
    assert not home.key_file.exists()

    opened = Vigil.open(home)
    try:
        assert not opened.locked
        opened.sign_in("admin", PASSPHRASE)
        assert opened.database_key is not None
        assert opened.store.count_by_kind() == counts
        assert len(list(opened.store.versions())) == versions
        revealed = show(opened.workspace, samples[1].person, reveal=True).record
        assert isinstance(revealed, Person) and revealed.identity is not None
        assert revealed.identity.names == ("Name 1",)
    finally:
        opened.close()
    assert not is_plain_database(home.database_file)
    assert sorted(p.name for p in home.home.iterdir()) == ["vigil.db", "vigil.keys"]
    assert b"Argun" not in contents(home.home)
    for user, passphrase in (("ruslan", OTHER), ("admin", PASSPHRASE)):
        again = Vigil.open(home)
        try:
            assert again.locked
            again.sign_in(user, passphrase)
            assert again.store.count_by_kind() == counts
        finally:
            again.close()
