"""Users and sign-in: Argon2id passphrases, TOTP, growing delays, keys that only sign-in unlocks.

Every user has a key pair; compartment data keys reach users wrapped to their public keys, so an
administrator who is not a member of a compartment holds no key to its data.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from vigil.services.permissions import ROLES, NotAllowed, check
from vigil.services.ports import (
    AccountStore,
    Cipher,
    KeyWrap,
    UserKeys,
    UserRow,
    UserSecrets,
    WrongPassphrase,
)
from vigil.services.workspace import DEFAULT_COMPARTMENT, INSTANCE_COMPARTMENT

__all__ = ["DEFAULT_COMPARTMENT", "INSTANCE_COMPARTMENT", "ROLES", "NotAllowed", "Session"]

MAX_DELAY = timedelta(minutes=15)


class SignInFailed(Exception):
    """A sign-in was refused; the message never tells an unknown user from a wrong passphrase."""


class CodeRejected(Exception):
    """A one-time code did not match the secret being enrolled; nothing was changed."""


@dataclass(slots=True)
class Session:
    """A signed-in user with the data keys of their compartments, in memory only."""

    user: UserRow
    secrets: UserSecrets
    keys: dict[str, dict[int, bytes]]

    def cipher(self, keys: UserKeys, compartment: str = DEFAULT_COMPARTMENT) -> Cipher:
        """Return the cipher of a compartment this user belongs to."""
        versions = self.keys.get(compartment)
        if not versions:
            raise NotAllowed(f"{self.user.name} is not a member of compartment {compartment!r}")
        return keys.cipher(versions, max(versions))

    def ciphers(self, keys: UserKeys) -> dict[str, Cipher]:
        """Return a cipher for every compartment this user holds a key of."""
        return {name: self.cipher(keys, name) for name, versions in self.keys.items() if versions}


def _delay(failures: int) -> timedelta:
    return min(timedelta(seconds=2 ** min(failures - 1, 20)), MAX_DELAY)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise NotAllowed(f"role {role!r} is not one of {', '.join(ROLES)}")


def valid_user_name(name: str) -> bool:
    """A user name is letters and digits (any script), with '.', '-' and '_' between them."""
    return bool(name) and name.replace("-", "").replace("_", "").replace(".", "").isalnum()


def new_user(keys: UserKeys, name: str, role: str, passphrase: str, now: datetime) -> UserRow:
    """Return a new account with its own key pair wrapped under its passphrase."""
    _check_role(role)
    if not valid_user_name(name):
        raise NotAllowed(f"user name {name!r} may use letters, digits, '.', '-' and '_' only")
    created: Any = keys.create(passphrase)
    return UserRow(
        name=name,
        role=role,
        password_hash=created.password_hash,
        kdf=created.kdf,
        public_key=created.public_key,
        wrapped_private_key=created.wrapped_private_key,
        created_at=now.isoformat(timespec="seconds"),
    )


def open_session(store: AccountStore, user: UserRow, secrets: UserSecrets) -> Session:
    """Unwrap every compartment key held for this user."""
    keys: dict[str, dict[int, bytes]] = {}
    for wrap in store.wraps_for(user.name):
        keys.setdefault(wrap.compartment, {})[wrap.key_version] = secrets.unwrap(wrap.wrapped)
    return Session(user, secrets, keys)


def create_first_admin(
    store: AccountStore,
    keys: UserKeys,
    name: str,
    passphrase: str,
    now: datetime,
    data_key: bytes | None = None,
) -> Session:
    """Create the first administrator and the default compartment they belong to.

    An instance from before user accounts passes its old key as ``data_key``: it becomes version
    1 of the default compartment's key, so everything sealed before opens as it did.
    """
    with store.transaction():
        if store.users():
            raise NotAllowed("this instance already has users; nothing was changed")
        admin = new_user(keys, name, "admin", passphrase, now)
        store.save_user(admin)
        key = data_key or keys.new_data_key()
        store.save_compartment(DEFAULT_COMPARTMENT, 1)
        store.add_wrap(
            KeyWrap(DEFAULT_COMPARTMENT, 1, admin.name, keys.wrap_for(admin.public_key, key))
        )
        instance_key = keys.new_data_key()
        store.save_compartment(INSTANCE_COMPARTMENT, 1)
        store.add_wrap(
            KeyWrap(
                INSTANCE_COMPARTMENT, 1, admin.name, keys.wrap_for(admin.public_key, instance_key)
            )
        )
    return sign_in(store, keys, name, passphrase, None, now)


def sign_in(
    store: AccountStore, keys: UserKeys, name: str, passphrase: str, totp: str | None, now: datetime
) -> Session:
    """Check passphrase and second factor; return the session, or fail after growing delays.

    An unknown user costs the same work as a known one with a wrong passphrase.
    """
    user = store.get_user(name)
    if user is not None and user.locked_until and now < datetime.fromisoformat(user.locked_until):
        raise SignInFailed(f"too many failed sign-ins: try again after {user.locked_until}")
    passed = keys.verify(user.password_hash if user else None, passphrase)
    try:
        secrets = keys.unlock(
            user.wrapped_private_key if user else None, user.kdf if user else None, passphrase
        )
    except WrongPassphrase:
        passed = False
    if user is None or not passed:
        _failed(store, user, name, now)
        raise SignInFailed("unknown user or wrong passphrase")
    if user.totp_sealed is not None:
        if not totp:
            raise SignInFailed("this account needs its one-time code (VIGIL_TOTP or the prompt)")
        if not keys.totp_valid(secrets.open_own(user.totp_sealed).decode(), totp):
            _failed(store, user, name, now)
            raise SignInFailed("the one-time code is wrong")
    if user.disabled:
        raise SignInFailed(f"the account {name!r} is disabled")
    if user.failed_count:
        user.failed_count, user.locked_until = 0, None
        store.save_user(user)
    return open_session(store, user, secrets)


def _failed(store: AccountStore, user: UserRow | None, name: str, now: datetime) -> None:
    with store.transaction():
        store.add_pending_event(now.isoformat(timespec="microseconds"), name[:64], "sign-in-failed")
        if user is not None:
            user.failed_count += 1
            user.locked_until = (now + _delay(user.failed_count)).isoformat(timespec="seconds")
            store.save_user(user)


def require(session: Session, permission: str) -> None:
    """Fail unless the signed-in user's role holds the permission (see permissions.py)."""
    check(session.user.name, session.user.role, permission)


def add_user(
    store: AccountStore,
    keys: UserKeys,
    session: Session,
    name: str,
    role: str,
    passphrase: str,
    compartments: tuple[str, ...],
    now: datetime,
) -> UserRow:
    """Create an account (administrators only) and give it the keys of the named compartments.

    The administrator can hand over only keys they hold themselves. Every user also gets the
    instance compartment's key, which opens the audit signing key and no record.
    """
    require(session, "user.manage")
    with store.transaction():
        if store.get_user(name) is not None:
            raise NotAllowed(f"user {name!r} already exists")
        user = new_user(keys, name, role, passphrase, now)
        store.save_user(user)
        for compartment in dict.fromkeys((INSTANCE_COMPARTMENT, *compartments)):
            versions = session.keys.get(compartment)
            if not versions:
                raise NotAllowed(f"you hold no key of compartment {compartment!r} to share")
            for version, key in versions.items():
                store.add_wrap(
                    KeyWrap(compartment, version, name, keys.wrap_for(user.public_key, key))
                )
    return user


def list_users(store: AccountStore, session: Session) -> list[UserRow]:
    """Return every account (administrators only)."""
    require(session, "user.manage")
    return store.users()


def set_disabled(store: AccountStore, session: Session, name: str, disabled: bool) -> None:
    """Disable or re-enable an account (administrators only); one cannot disable oneself."""
    require(session, "user.manage")
    user = store.get_user(name)
    if user is None:
        raise NotAllowed(f"no user {name!r}")
    if user.name == session.user.name:
        raise NotAllowed("you cannot disable your own account")
    user.disabled = disabled
    store.save_user(user)


def set_role(store: AccountStore, session: Session, name: str, role: str) -> str:
    """Give an account another role (administrators only); return the role it had.

    One cannot change one's own role, so an instance always keeps the administrator who acts.
    Keys do not change: a role decides what one may do, compartments what one may read.
    """
    require(session, "user.manage")
    _check_role(role)
    user = store.get_user(name)
    if user is None:
        raise NotAllowed(f"no user {name!r}")
    if user.name == session.user.name:
        raise NotAllowed("you cannot change your own role")
    before = user.role
    user.role = role
    store.save_user(user)
    return before


def enrol_totp(store: AccountStore, keys: UserKeys, session: Session) -> tuple[str, str]:
    """Give the signed-in user a TOTP second factor; return the secret and its URI, shown once.

    The secret is stored encrypted under the user's own passphrase-derived key.
    """
    secret = keys.new_totp_secret()
    session.user.totp_sealed = session.secrets.seal_own(secret.encode())
    store.save_user(session.user)
    return secret, keys.totp_uri(secret, session.user.name)


def start_totp(keys: UserKeys, session: Session) -> tuple[str, str]:
    """Return a new TOTP secret and its URI for the signed-in user's app; nothing is stored.

    The secret takes effect only through `confirm_totp`, with a code the app made from it, so
    a secret mistyped into the app cannot lock its user out.
    """
    secret = keys.new_totp_secret()
    return secret, keys.totp_uri(secret, session.user.name)


def confirm_totp(
    store: AccountStore, keys: UserKeys, session: Session, secret: str, code: str
) -> None:
    """Enrol the secret shown by `start_totp` once the app's code matches it; else change
    nothing. The secret is stored encrypted under the user's own passphrase-derived key."""
    if not code.strip().isdigit() or not keys.totp_valid(secret, code):
        raise CodeRejected("the one-time code does not match: nothing was changed")
    session.user.totp_sealed = session.secrets.seal_own(secret.encode())
    store.save_user(session.user)
