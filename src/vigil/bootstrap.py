"""The composition root: builds one Vigil object from settings for the CLI, the web and tests."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from vigil.crypto.audit_log import SignedAuditLog, open_signer
from vigil.crypto.kdf import KdfParameters
from vigil.crypto.keyring import PassphraseKeyring
from vigil.services import instance
from vigil.services.ports import Cipher
from vigil.services.vocabularies import load_vocabularies
from vigil.services.workspace import Workspace
from vigil.storage.engine import database_url, is_current, make_engine, migrate
from vigil.storage.record_store import SqlRecordStore

ACTOR = "instance-owner"


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
    """One instance, opened: its store, vocabularies, keyring and (once unlocked) cipher."""

    def __init__(self, settings: Settings, kdf: KdfParameters | None = None) -> None:
        self.settings = settings
        self.engine = make_engine(settings.url)
        self.store = SqlRecordStore(self.engine)
        self.keyring = PassphraseKeyring(kdf)
        self.workspace = Workspace(self.store, load_vocabularies(settings.home / "vocabularies"))

    @classmethod
    def create(
        cls, settings: Settings, passphrase: str, kdf: KdfParameters | None = None
    ) -> "Vigil":
        """Create a new instance: its folder, its schema and its key."""
        settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        vigil = cls(settings, kdf)
        migrate(vigil.engine)
        vigil._unlocked(instance.initialise(vigil.store, vigil.keyring, passphrase))
        vigil.workspace.record_event("init", None, {"database": vigil.engine.dialect.name})
        return vigil

    @classmethod
    def open(cls, settings: Settings) -> "Vigil":
        """Open an existing instance, bringing its schema up to date."""
        if settings.embedded and not (settings.home / "vigil.db").exists():
            raise InstanceMissing(f"no Vigil instance in {settings.home}: run `vigil init`")
        vigil = cls(settings)
        if not is_current(vigil.engine):
            migrate(vigil.engine)
        if not instance.is_initialised(vigil.store):
            vigil.close()
            raise InstanceMissing("this database holds no Vigil instance: run `vigil init`")
        return vigil

    def unlock(self, passphrase: str) -> None:
        """Derive the instance key from the passphrase; a wrong one changes nothing."""
        self._unlocked(instance.unlock(self.store, self.keyring, passphrase))

    def _unlocked(self, cipher: Cipher) -> None:
        self.workspace.cipher = cipher
        signer = open_signer(self.store, cipher)
        self.workspace.audit = SignedAuditLog(self.store, signer, ACTOR, self.workspace.clock)

    def close(self) -> None:
        self.workspace.cipher = None
        self.workspace.audit = None
        self.engine.dispose()
