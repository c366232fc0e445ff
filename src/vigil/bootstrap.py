"""The composition root: builds one Vigil object from settings for the CLI, the web and tests."""

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from vigil.crypto.audit_log import SignedAuditLog, open_signer
from vigil.crypto.kdf import KdfParameters, derive_key
from vigil.crypto.keyring import PassphraseKeyring
from vigil.crypto.recovery_keys import ShamirRecoveryKeys
from vigil.crypto.sealing import XChaChaCipher
from vigil.crypto.user_keys import UserKeyring
from vigil.services import accounts, instance, recovery, shredding
from vigil.services.accounts import Session
from vigil.services.ports import Cipher, WrongPassphrase
from vigil.services.vocabularies import load_vocabularies
from vigil.services.workspace import Locked, Workspace
from vigil.storage.engine import database_url, is_current, make_engine, migrate
from vigil.storage.key_tables import destroy_key_file
from vigil.storage.record_store import SqlRecordStore

DEFAULT_USER = "admin"


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
        self.workspace.audit = None
        self.session = None
        self.passphrase = None
        self.engine.dispose()

    # Trustee recovery and emergency shredding (services/recovery.py, services/shredding.py).

    def split_recovery(self, threshold: int, shares: int) -> recovery.Split:
        """Split a new recovery key among trustees (the signed-in administrator's keys)."""
        if self.session is None or self.workspace.audit is None:
            raise Locked("a recovery split needs a signed-in administrator")
        return recovery.split_recovery(
            self.store,
            self.user_keys,
            ShamirRecoveryKeys(),
            self.session,
            self.workspace.audit,
            threshold,
            shares,
            self.workspace.clock(),
        )

    def restore_user(
        self,
        name: str,
        shares: Sequence[str],
        passphrase: str,
        wraps_file: recovery.WrapsFile | None = None,
        compartments: Sequence[str] = (),
    ) -> recovery.Restored:
        """Give a user a new passphrase and their compartments' keys back, with k shares."""

        def open_audit(cipher: Cipher) -> SignedAuditLog:
            signer = open_signer(self.store, cipher)
            return SignedAuditLog(
                self.store, signer, recovery.RECOVERY_HOLDER, self.workspace.clock
            )

        return recovery.restore_user(
            self.store,
            self.user_keys,
            ShamirRecoveryKeys(),
            open_audit,
            name,
            shares,
            passphrase,
            wraps_file,
            compartments,
        )

    def key_files(self) -> list[Path]:
        """Key files kept beside the database, destroyed by `vigil shred` after its keys.

        The hook for key material outside the database (a whole-file encryption key file, for
        instance): list such files here. None exist yet.
        """
        return []

    def shred(self) -> shredding.Shredded:
        """Destroy every wrapped key of this instance, then the key files; needs no sign-in."""
        return shredding.shred(
            self.store,
            self.workspace.clock(),
            [str(path) for path in self.key_files()],
            destroy_key_file,
        )
