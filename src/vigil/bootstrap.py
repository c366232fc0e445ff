"""The composition root: builds one Vigil object from settings for the CLI, the web and tests."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from vigil.crypto.audit_log import SignedAuditLog, open_signer
from vigil.crypto.blind_index import PERSON_NAME_BITS, BlindIndex, derive_index_key
from vigil.crypto.kdf import KdfParameters, derive_key
from vigil.crypto.keyring import PassphraseKeyring
from vigil.crypto.sealing import XChaChaCipher
from vigil.crypto.user_keys import UserKeyring
from vigil.services import accounts, instance, person_search
from vigil.services.accounts import Session
from vigil.services.ports import CompartmentIndex, UserKeys, WrongPassphrase
from vigil.services.vocabularies import load_vocabularies
from vigil.services.workspace import Workspace
from vigil.storage.engine import database_url, is_current, make_engine, migrate
from vigil.storage.record_store import SqlRecordStore

DEFAULT_USER = "admin"


def compartment_indexes(session: Session, keys: UserKeys) -> dict[str, CompartmentIndex]:
    """Build, for every compartment the session holds a key to, its name index and cipher.

    The index key is derived from the compartment's current (newest) data key, so a key
    rotation needs the index rebuilt (``person_search.reindex_compartment``).
    """
    indexes = {}
    for compartment, versions in session.keys.items():
        if not versions:
            continue
        current = max(versions)
        names = BlindIndex(derive_index_key(versions[current]), bits=PERSON_NAME_BITS)
        cipher = keys.cipher(versions, current)
        indexes[compartment] = CompartmentIndex(compartment, current, names, cipher)
    return indexes


class InstanceMissing(Exception):
    """There is no instance where the settings point."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Where an instance lives: its folder (VIGIL_HOME) and its database (VIGIL_DATABASE_URL)."""

    home: Path
    database_url: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        home = env.get("VIGIL_HOME") or user_data_dir("vigil", appauthor=False)
        return cls(home=Path(home).expanduser(), database_url=env.get("VIGIL_DATABASE_URL") or None)

    @property
    def url(self) -> str:
        return database_url(self.database_url, self.home)

    @property
    def embedded(self) -> bool:
        return not self.database_url


class Vigil:
    """One instance, opened: its store, vocabularies, keyrings and, once signed in, a session."""

    def __init__(self, settings: Settings, kdf: KdfParameters | None = None) -> None:
        self.settings = settings
        self.engine = make_engine(settings.url)
        self.store = SqlRecordStore(self.engine)
        self.keyring = PassphraseKeyring(kdf)
        self.user_keys = UserKeyring(kdf)
        self.session: Session | None = None
        self.passphrase: str | None = None
        self.workspace = Workspace(self.store, load_vocabularies(settings.home / "vocabularies"))

    @classmethod
    def create(
        cls,
        settings: Settings,
        passphrase: str,
        kdf: KdfParameters | None = None,
        user: str = DEFAULT_USER,
    ) -> "Vigil":
        """Create a new instance: its folder, its schema, its first administrator and keys."""
        settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        vigil = cls(settings, kdf)
        migrate(vigil.engine)
        if vigil.store.users() or instance.is_initialised(vigil.store):
            vigil.close()
            raise instance.AlreadyInitialised("this instance already exists; nothing was changed")
        session = accounts.create_first_admin(
            vigil.store, vigil.user_keys, user, passphrase, vigil.workspace.clock()
        )
        vigil._signed_in(session, passphrase)
        vigil.workspace.record_event("init", None, {"database": vigil.engine.dialect.name})
        for target in vigil.workspace.name_indexes.values():  # nobody to index yet
            person_search.mark_index_built(vigil.store, target.compartment, target.key_version)
        return vigil

    @classmethod
    def open(cls, settings: Settings) -> "Vigil":
        """Open an existing instance, bringing its schema up to date."""
        if settings.embedded and not (settings.home / "vigil.db").exists():
            raise InstanceMissing(f"no Vigil instance in {settings.home}: run `vigil init`")
        vigil = cls(settings)
        if not is_current(vigil.engine):
            migrate(vigil.engine)
        if not vigil.store.users() and not instance.is_initialised(vigil.store):
            vigil.close()
            raise InstanceMissing("this database holds no Vigil instance: run `vigil init`")
        return vigil

    def sign_in(self, user: str, passphrase: str, totp: str | None = None) -> None:
        """Sign a user in: check passphrase and code, unwrap their keys; failures change nothing
        but the failure count, and are signed into the audit log at the next sign-in."""
        if not self.store.users() and instance.is_initialised(self.store):
            self._adopt_legacy_instance(user, passphrase)
            return
        session = accounts.sign_in(
            self.store, self.user_keys, user, passphrase, totp, self.workspace.clock()
        )
        self._signed_in(session, passphrase)
        self.workspace.record_event("sign-in", None, {})

    def _adopt_legacy_instance(self, user: str, passphrase: str) -> None:
        """Move an instance from before user accounts onto a first administrator.

        Its passphrase-derived key becomes version 1 of the default compartment's key, so no
        sealed value needs re-encrypting; the old key parameters are then removed.
        """
        parameters = self.store.read_setting(instance.KDF_SETTING) or ""
        key = derive_key(passphrase, KdfParameters.from_json(parameters))
        instance.verify_key(
            XChaChaCipher(key), self.store.read_setting(instance.CHECK_SETTING) or ""
        )
        with self.store.transaction():
            session = accounts.create_first_admin(
                self.store, self.user_keys, user, passphrase, self.workspace.clock(), data_key=key
            )
            self.store.delete_setting(instance.KDF_SETTING)
            self.store.delete_setting(instance.CHECK_SETTING)
            self._signed_in(session, passphrase)
            self.workspace.record_event("migrate", None, {"to": "user accounts"})

    def _signed_in(self, session: Session, passphrase: str) -> None:
        cipher = session.cipher(self.user_keys)
        self.session, self.passphrase = session, passphrase
        self.workspace.cipher = cipher
        self.workspace.name_indexes = compartment_indexes(session, self.user_keys)
        signer = open_signer(self.store, cipher)
        self.workspace.audit = SignedAuditLog(
            self.store, signer, session.user.name, self.workspace.clock
        )
        with self.store.transaction():
            for at, actor, action in self.store.take_pending_events():
                self.workspace.record_event(action, None, {"user": actor, "at": at})

    def unlock(self, passphrase: str, user: str = DEFAULT_USER) -> None:
        """Sign in as the given user (the administrator by default), for one-person use."""
        try:
            self.sign_in(user, passphrase)
        except accounts.SignInFailed as error:
            raise WrongPassphrase(f"wrong passphrase: {error}; nothing was changed") from None

    def close(self) -> None:
        self.workspace.cipher = None
        self.workspace.name_indexes = {}
        self.workspace.audit = None
        self.session = None
        self.passphrase = None
        self.engine.dispose()
