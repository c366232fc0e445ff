"""The composition root: builds one Vigil object from settings for the CLI, the web and tests."""

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from platformdirs import user_data_dir

from vigil.crypto.audit_chain import AuditProblem
from vigil.crypto.audit_log import (
    VERIFY_KEY_SETTING,
    SignedAuditLog,
    open_signer,
    reseal_signer,
    verify_log,
)
from vigil.crypto.blind_index import PERSON_NAME_BITS, BlindIndex, derive_index_key
from vigil.crypto.database_keys import DatabaseKeyFile, KeyFileBroken, open_database_key
from vigil.crypto.kdf import KdfParameters, derive_key
from vigil.crypto.keyring import PassphraseKeyring
from vigil.crypto.recovery_keys import ShamirRecoveryKeys
from vigil.crypto.sealing import XChaChaCipher
from vigil.crypto.token_keys import TokenKeyring, TokenMalformed
from vigil.crypto.user_keys import UnlockedUser, UserKeyring
from vigil.services import (
    accounts,
    compartments,
    instance,
    person_search,
    recovery,
    shredding,
    tokens,
)
from vigil.services.accounts import Session
from vigil.services.auditing import audit_entries
from vigil.services.ports import Cipher, CompartmentIndex, UserKeys, UserRow, WrongPassphrase
from vigil.services.vocabularies import load_vocabularies
from vigil.services.workspace import (
    DEFAULT_COMPARTMENT,
    INSTANCE_COMPARTMENT,
    Actor,
    Locked,
    Workspace,
)
from vigil.storage.engine import (
    DATABASE_KEY_BYTES,
    database_url,
    encrypt_plain_database,
    is_current,
    is_plain_database,
    make_engine,
    migrate,
)
from vigil.storage.key_tables import destroy_key_file
from vigil.storage.record_store import SqlRecordStore

DEFAULT_USER = "admin"


def compartment_indexes(session: Session, keys: UserKeys) -> dict[str, CompartmentIndex]:
    """Build, for every compartment the session holds a key to, its name index and cipher.

    The index key is derived from the compartment's current (newest) data key, so a key
    rotation needs the index rebuilt (``person_search.reindex_compartment``).
    """
    return indexes_for(session.keys, keys)


def indexes_for(held: dict[str, dict[int, bytes]], keys: UserKeys) -> dict[str, CompartmentIndex]:
    """Build the name index and cipher of every compartment whose keys are held."""
    indexes = {}
    for compartment, versions in held.items():
        if not versions or compartment == INSTANCE_COMPARTMENT:
            continue
        current = max(versions)
        names = BlindIndex(derive_index_key(versions[current]), bits=PERSON_NAME_BITS)
        cipher = keys.cipher(versions, current)
        indexes[compartment] = CompartmentIndex(compartment, current, names, cipher)
    return indexes


def token_fingerprint(text: str) -> tuple[str, str]:
    """Return (public id, hash of the secret) of a presented API token, or raise TokenRefused;
    the pair names an opened token session without keeping the secret."""
    try:
        token_id, secret = TokenKeyring.parse(text)
    except TokenMalformed:
        raise tokens.TokenRefused("invalid token") from None
    return token_id, TokenKeyring.lookup_hash(secret)


class InstanceMissing(Exception):
    """There is no instance where the settings point."""


@dataclass(frozen=True, slots=True)
class HeldKeys:
    """What a login agent keeps in memory for a signed-in user between commands."""

    user: str
    private_key: bytes
    kek: bytes
    database_key: bytes | None


class SettingInvalid(ValueError):
    """A setting has a value Vigil cannot use."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Where an instance lives: its folder (VIGIL_HOME) and its database (VIGIL_DATABASE_URL);
    how long a login session may stay idle (VIGIL_SESSION_MINUTES)."""

    home: Path
    database_url: str | None = None
    session_minutes: float = 30.0

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        home = env.get("VIGIL_HOME") or user_data_dir("vigil", appauthor=False)
        minutes = env.get("VIGIL_SESSION_MINUTES") or "30"
        try:
            session_minutes = float(minutes)
        except ValueError:
            session_minutes = -1.0
        if not 0 < session_minutes <= 24 * 60:
            raise SettingInvalid(
                f"VIGIL_SESSION_MINUTES must be a number of minutes above 0 and at most 1440, "
                f"not {minutes!r}"
            )
        return cls(
            home=Path(home).expanduser(),
            database_url=env.get("VIGIL_DATABASE_URL") or None,
            session_minutes=session_minutes,
        )

    @property
    def url(self) -> str:
        return database_url(self.database_url, self.home)

    @property
    def embedded(self) -> bool:
        return not self.database_url

    @property
    def database_file(self) -> Path:
        return self.home / "vigil.db"

    @property
    def key_file(self) -> Path:
        """The side file holding, per user, the database key sealed to their public key."""
        return self.home / "vigil.keys"


class Vigil:
    """One instance, opened: its store, vocabularies, keyrings and, once signed in, a session."""

    def __init__(
        self,
        settings: Settings,
        kdf: KdfParameters | None = None,
        database_key: bytes | None = None,
    ) -> None:
        self.settings = settings
        self.database_key = database_key
        self.engine = make_engine(settings.url, lambda: self.database_key)
        self.store = SqlRecordStore(self.engine)
        self.keyring = PassphraseKeyring(kdf)
        self.user_keys = UserKeyring(kdf)
        self.session: Session | None = None
        self.passphrase: str | None = None
        # The public id of the API token this instance was opened with, if any.
        self.token_id: str | None = None
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
        if settings.embedded and settings.database_file.exists():
            raise instance.AlreadyInitialised("this instance already exists; nothing was changed")
        key = UserKeyring.new_data_key() if settings.embedded else None
        vigil = cls(settings, kdf, key)
        migrate(vigil.engine)
        if vigil.store.users() or instance.is_initialised(vigil.store):
            vigil.close()
            raise instance.AlreadyInitialised("this instance already exists; nothing was changed")
        with vigil.store.transaction():
            session = accounts.create_first_admin(
                vigil.store, vigil.user_keys, user, passphrase, vigil.workspace.clock()
            )
            vigil._add_key_entries([session.user], fresh=True)
        vigil._signed_in(session, passphrase)
        vigil.workspace.record_event("init", None, {"database": vigil.engine.dialect.name})
        for target in vigil.workspace.name_indexes.values():  # nobody to index yet
            person_search.mark_index_built(vigil.store, target.compartment, target.key_version)
        return vigil

    @classmethod
    def open(cls, settings: Settings) -> "Vigil":
        """Open an existing instance, bringing its schema up to date."""
        if settings.embedded and not settings.database_file.exists():
            raise InstanceMissing(f"no Vigil instance in {settings.home}: run `vigil init`")
        vigil = cls(settings)
        if not vigil.locked:
            vigil._prepare()
        return vigil

    @property
    def locked(self) -> bool:
        """Tell whether the database file is encrypted and its key not yet known."""
        return (
            self.settings.embedded
            and self.database_key is None
            and not is_plain_database(self.settings.database_file)
        )

    def _prepare(self) -> None:
        if not is_current(self.engine):
            migrate(self.engine)
        if not self.store.users() and not instance.is_initialised(self.store):
            self.close()
            raise InstanceMissing("this database holds no Vigil instance: run `vigil init`")

    def open_database(self, user: str, passphrase: str) -> None:
        """Key an encrypted embedded database from the side file with the user's passphrase.

        Nothing is read from or written to the database before this succeeds; a wrong
        passphrase or an unknown user fail alike.
        """
        if not self.locked:
            return
        try:
            key, _ = open_database_key(
                self.user_keys, DatabaseKeyFile(self.settings.key_file), user, passphrase
            )
        except WrongPassphrase:
            raise accounts.SignInFailed("unknown user or wrong passphrase") from None
        except KeyFileBroken as error:
            raise Locked(str(error)) from None
        self.database_key = key
        self._prepare()

    def sign_in(self, user: str, passphrase: str, totp: str | None = None) -> None:
        """Sign a user in: check passphrase and code, unwrap their keys; failures change nothing
        but the failure count, and are signed into the audit log at the next sign-in."""
        self.open_database(user, passphrase)
        if not self.store.users() and instance.is_initialised(self.store):
            self._adopt_legacy_instance(user, passphrase)
        else:
            session = accounts.sign_in(
                self.store, self.user_keys, user, passphrase, totp, self.workspace.clock()
            )
            self._signed_in(session, passphrase)
            self.workspace.record_event("sign-in", None, {})
        if self.settings.embedded and self.database_key is None:
            self._encrypt_database()

    def resume(self, held: HeldKeys) -> None:
        """Sign in with the keys a login agent holds, without the passphrase.

        The account must still exist, be enabled and own the held private key.
        """
        if self.settings.embedded:
            if held.database_key is None or len(held.database_key) != DATABASE_KEY_BYTES:
                raise Locked("the login session holds no database key: run `vigil login` again")
            if self.locked:
                self.database_key = held.database_key
                self._prepare()
        secrets = self.user_keys.resume(held.private_key, held.kek)
        account = self.store.get_user(held.user)
        if account is None or account.public_key != secrets.public_bytes:
            raise Locked(f"the login session of {held.user!r} no longer fits: run `vigil login`")
        if account.disabled:
            raise accounts.SignInFailed(f"the account {held.user!r} is disabled")
        self._signed_in(accounts.open_session(self.store, account, secrets), None)

    def held_keys(self) -> HeldKeys:
        """Return what a login agent needs to keep this session open between commands."""
        if self.session is None or not isinstance(self.session.secrets, UnlockedUser):
            raise Locked("no user has signed in")
        secrets = self.session.secrets
        return HeldKeys(
            self.session.user.name, secrets.private_bytes, secrets.kek_bytes, self.database_key
        )

    # API tokens (services/tokens.py): made and revoked by a signed-in user, used by scripts.

    def create_token(
        self,
        label: str,
        scope: str,
        compartments: Sequence[str],
        days: int = tokens.DEFAULT_DAYS,
        reveal: bool = False,
    ) -> tokens.NewToken:
        """Make an API token for the signed-in user; on the embedded database the file's key
        is sealed to the token in the side file, in the same transaction."""
        if self.session is None:
            raise Locked("no user has signed in")
        keyring = TokenKeyring()
        self._forget_expired_tokens()
        with self.store.transaction():
            new = tokens.create_token(
                self.workspace,
                self.store,
                keyring,
                self.session.keys,
                label,
                scope,
                compartments,
                days,
                reveal,
            )
            if self.database_key is not None:
                DatabaseKeyFile(self.settings.key_file).add_token(
                    new.row.id, keyring.seal(new.secret, self.database_key)
                )
        return new

    def list_tokens(self) -> list[tokens.ApiTokenRow]:
        self._forget_expired_tokens()
        return tokens.list_tokens(self.workspace, self.store)

    def _forget_expired_tokens(self) -> None:
        """Destroy what expired tokens could still open: their key bundles and their entries
        in the side file."""
        expired = tokens.forget_expired(self.store, self.workspace.clock())
        if expired and self.database_key is not None:
            file = DatabaseKeyFile(self.settings.key_file)
            for token_id in expired:
                file.remove_token(token_id)

    def revoke_token(self, token_id: str) -> tokens.ApiTokenRow:
        """Revoke a token and forget its way into the database file."""
        row = tokens.revoke_token(self.workspace, self.store, token_id)
        if self.database_key is not None:
            DatabaseKeyFile(self.settings.key_file).remove_token(row.id)
        return row

    @classmethod
    def open_by_token(
        cls, settings: Settings, text: str, clock: Callable[[], datetime] | None = None
    ) -> "Vigil":
        """Open the instance with an API token: its user's role narrowed to the token's scope,
        and only the keys of the token's compartments. Raise TokenRefused otherwise."""
        try:
            token_id, secret = TokenKeyring.parse(text)
        except TokenMalformed:
            raise tokens.TokenRefused("invalid token") from None
        if settings.embedded and not settings.database_file.exists():
            raise InstanceMissing(f"no Vigil instance in {settings.home}")
        vigil = cls(settings)
        if clock is not None:
            vigil.workspace.clock = clock
        try:
            if vigil.locked:
                try:
                    sealed = DatabaseKeyFile(settings.key_file).token_entry(token_id)
                    if sealed is None:
                        raise tokens.TokenRefused("invalid token")
                    vigil.database_key = TokenKeyring.open(secret, sealed)
                except (KeyFileBroken, TokenMalformed):
                    raise tokens.TokenRefused("invalid token") from None
            vigil._prepare()
            grant = tokens.open_token(
                vigil.store, TokenKeyring(), token_id, secret, vigil.workspace.clock()
            )
            vigil._token_signed_in(grant)
        except BaseException:
            vigil.close()
            raise
        return vigil

    def _token_signed_in(self, grant: tokens.Grant) -> None:
        ws = self.workspace
        self.token_id = grant.row.id
        ws.actor = Actor(grant.user.name, grant.user.role, grant.permissions)
        ws.ciphers = {c: self.user_keys.cipher(v, max(v)) for c, v in grant.keys.items()}
        ws.name_indexes = indexes_for(grant.keys, self.user_keys)
        signer = open_signer(self.store, ws.ciphers[INSTANCE_COMPARTMENT])
        log = SignedAuditLog(self.store, signer, grant.user.name, ws.clock)
        ws.audit = tokens.TokenAudit(log, grant.row.id)
        ws.record_event("token-sign-in")

    def check_token(self) -> None:
        """Fail with TokenRefused once the token this instance was opened with was revoked,
        expired or its user disabled; follow a change of its user's role, and drop the keys of
        a compartment its user left or whose key was rotated since it was opened."""
        ws = self.workspace
        if self.token_id is None or ws.actor is None:
            raise tokens.TokenRefused("not opened with a token")
        _, user = tokens.check_token(self.store, self.token_id, ws.clock())
        if user.role != ws.actor.role:
            ws.actor = Actor(user.name, user.role, ws.actor.permissions)
        held = tokens.still_held(self.store, user.name, ws.ciphers)
        gone = [c for c, cipher in ws.ciphers.items() if held.get(c) != cipher.key_version]
        if INSTANCE_COMPARTMENT in gone:
            raise tokens.TokenRefused("this token no longer fits its user's keys")
        for compartment in gone:
            del ws.ciphers[compartment]
            ws.name_indexes.pop(compartment, None)

    def add_user(
        self, name: str, role: str, passphrase: str, compartments: tuple[str, ...]
    ) -> UserRow:
        """Create an account (administrators only); on the embedded database its entry in the
        side file is written in the same transaction, so a failure leaves neither."""
        if self.session is None:
            raise Locked("no user has signed in")
        with self.store.transaction():
            user = accounts.add_user(
                self.store,
                self.user_keys,
                self.session,
                name,
                role,
                passphrase,
                compartments,
                self.workspace.clock(),
            )
            self._add_key_entries([user])
        return user

    def verify_audit(self, published: str | None = None) -> list[AuditProblem] | None:
        """Check every audit entry's hash, signature and link (holders of audit.read) and, with a
        head published earlier, that no tail was cut; None when there is no audit key yet."""
        self.workspace.require("audit.read")
        key = self.store.read_setting(VERIFY_KEY_SETTING)
        if key is None:
            return None
        return verify_log(audit_entries(self.workspace, self.store), key, published)

    def _add_key_entries(self, users: list[UserRow], fresh: bool = False) -> None:
        if self.database_key is None:
            return
        DatabaseKeyFile(self.settings.key_file).add(
            self.database_key,
            [(u.name, u.public_key, u.wrapped_private_key, u.kdf) for u in users],
            fresh=fresh,
        )

    def _encrypt_database(self) -> None:
        """Convert an unencrypted embedded database (from before SQLCipher) in place.

        A new random key encrypts a copy that replaces the file atomically; every user gets an
        entry in the side file, written before the copy takes the file's place.
        """
        key = UserKeyring.new_data_key()
        users = self.store.users()
        self.engine.dispose()
        file = DatabaseKeyFile(self.settings.key_file)
        encrypt_plain_database(
            self.settings.database_file,
            key,
            lambda: file.add(
                key, [(u.name, u.public_key, u.wrapped_private_key, u.kdf) for u in users], True
            ),
        )
        self.database_key = key
        self.workspace.record_event("encrypt-database", None, {"cipher": "sqlcipher"})

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
            reseal_signer(
                self.store,
                session.cipher(self.user_keys, DEFAULT_COMPARTMENT),
                session.cipher(self.user_keys, INSTANCE_COMPARTMENT),
            )
            self._signed_in(session, passphrase)
            self.workspace.record_event("migrate", None, {"to": "user accounts"})

    def _signed_in(self, session: Session, passphrase: str | None) -> None:
        if compartments.ensure_instance(self.store, self.user_keys, session):
            reseal_signer(
                self.store,
                session.cipher(self.user_keys, DEFAULT_COMPARTMENT),
                session.cipher(self.user_keys, INSTANCE_COMPARTMENT),
            )
        self.session, self.passphrase = session, passphrase
        self.workspace.actor = Actor(session.user.name, session.user.role)
        self.workspace.ciphers = session.ciphers(self.user_keys)
        self.workspace.rebuild_indexes = lambda: self._rebuild_indexes(session)
        self._rebuild_indexes(session)
        signer = open_signer(self.store, session.cipher(self.user_keys, INSTANCE_COMPARTMENT))
        self.workspace.audit = SignedAuditLog(
            self.store, signer, session.user.name, self.workspace.clock
        )
        with self.store.transaction():
            for at, actor, action in self.store.take_pending_events():
                self.workspace.record_event(action, None, {"user": actor, "at": at})

    def _rebuild_indexes(self, session: Session) -> None:
        self.workspace.name_indexes = compartment_indexes(session, self.user_keys)

    def unlock(self, passphrase: str, user: str = DEFAULT_USER) -> None:
        """Sign in as the given user (the administrator by default), for one-person use."""
        try:
            self.sign_in(user, passphrase)
        except accounts.SignInFailed as error:
            raise WrongPassphrase(f"wrong passphrase: {error}; nothing was changed") from None

    def close(self) -> None:
        self.workspace.actor = None
        self.workspace.ciphers = {}
        self.workspace.name_indexes = {}
        self.workspace.audit = None
        self.session = None
        self.passphrase = None
        self.token_id = None
        self.user_keys.forget()
        self.engine.dispose()

    # Trustee recovery and emergency shredding (services/recovery.py, services/shredding.py).

    def split_recovery(self, threshold: int, shares: int) -> recovery.Split:
        """Split a new recovery key among trustees (the signed-in administrator's keys)."""
        if self.session is None or self.workspace.audit is None:
            raise Locked("a recovery split needs a signed-in administrator")
        split = recovery.split_recovery(
            self.store,
            self.user_keys,
            ShamirRecoveryKeys(),
            self.session,
            self.workspace.audit,
            threshold,
            shares,
            self.workspace.clock(),
        )
        if self.database_key is not None:
            public = bytes.fromhex(self.store.read_setting(recovery.PUBLIC_KEY_SETTING) or "")
            sealed = self.user_keys.wrap_for(public, self.database_key)
            DatabaseKeyFile(self.settings.key_file).set_recovery(public, sealed)
            split = dataclasses.replace(
                split, wraps_document=recovery.with_database_key(split.wraps_document, sealed)
            )
        return split

    def recovery_wraps(self) -> str:
        """Return the recovery wraps to keep off this machine (with the database file's key)."""
        document = recovery.current_wraps_document(self.store)
        held = DatabaseKeyFile(self.settings.key_file).recovery() if self.database_key else None
        return document if held is None else recovery.with_database_key(document, held[1])

    def _open_database_by_recovery(
        self, shares: Sequence[str], wraps_file: recovery.WrapsFile | None
    ) -> tuple[bytes, bytes]:
        """Key a locked embedded database with the trustees' shares; return the recovery public
        key and the sealed database key, to write back into the side file."""
        held = DatabaseKeyFile(self.settings.key_file).recovery()
        if wraps_file is not None and wraps_file.database_key is not None:
            held = (wraps_file.public_key, wraps_file.database_key)
        if held is None:
            raise recovery.RecoveryFailed(
                "the database file's key was never wrapped for recovery, or its side file is "
                "gone: give the off-machine copy with --wraps-file; nothing was changed"
            )
        keys = ShamirRecoveryKeys()
        private = keys.combine(shares)
        if keys.public_key(private) != held[0]:
            raise recovery.RecoveryFailed(
                "these shares do not belong to this recovery key (shares of an older split?); "
                "nothing was changed"
            )
        self.database_key = keys.unwrap(private, held[1])
        self._prepare()
        return held

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

        held = self._open_database_by_recovery(shares, wraps_file) if self.locked else None
        restored = recovery.restore_user(
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
        if self.database_key is not None:
            user = self.store.get_user(name)
            assert user is not None  # noqa: S101 - restore_user checked it
            file = DatabaseKeyFile(self.settings.key_file)
            fresh = not file.exists()
            self._add_key_entries([user], fresh=fresh)
            if fresh and held is not None:
                file.set_recovery(*held)
        return restored

    def key_files(self) -> list[Path]:
        """Key files kept beside the database, destroyed by `vigil shred` after its keys.

        On the embedded database this is the side file that holds the database file's key:
        without it (and without the off-machine wraps file) the whole file is unreadable.
        """
        return [self.settings.key_file] if self.settings.key_file.exists() else []

    def shred(self) -> shredding.Shredded:
        """Destroy every wrapped key of this instance, then the key files; needs no sign-in.

        An encrypted embedded database that nobody has opened cannot be written to: destroying
        its side file destroys the only way to its key, and so everything in it at once.
        """
        if self.locked:
            files = [str(path) for path in self.key_files()]
            destroyed = [path for path in files if destroy_key_file(path)]
            return shredding.Shredded({"database key files": len(destroyed)}, True, destroyed)
        return shredding.shred(
            self.store,
            self.workspace.clock(),
            [str(path) for path in self.key_files()],
            destroy_key_file,
        )
