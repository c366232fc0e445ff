"""API tokens: scoped, expiring credentials for scripts, that never do more than their user.

A token belongs to one user. Its scope (read, or read and write) narrows what the user's role
allows, and it holds the keys of a chosen subset of the user's compartments only, sealed under
its own secret: the server keeps a hash of the secret to recognise it, never the secret. The
token stops working when it expires, is revoked, when its user is disabled, and for a
compartment whose key was rotated or that its user left since the token was made.
"""

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from vigil.services.permissions import NotAllowed, allows
from vigil.services.ports import AuditWriter, KeyWrap, UserRow
from vigil.services.workspace import INSTANCE_COMPARTMENT, Workspace

READ_PERMISSIONS = frozenset({"record.read", "person.find"})
WRITE_PERMISSIONS = READ_PERMISSIONS | {"record.write"}
SCOPES: dict[str, frozenset[str]] = {"read": READ_PERMISSIONS, "read-write": WRITE_PERMISSIONS}
DEFAULT_DAYS = 30
MAX_DAYS = 365
MAX_LABEL = 80


class TokenRefused(Exception):
    """A presented token is unknown, wrong, expired, revoked or no longer fits its user."""


@dataclass(slots=True)
class ApiTokenRow:
    """A token as stored: its public id, owner, limits and sealed key bundle; never the secret."""

    id: str
    user: str
    label: str
    scope: str
    compartments: str  # comma-separated names
    created_at: str
    expires_at: str
    secret_hash: str
    sealed_keys: bytes
    revoked_at: str | None = None
    reveal: bool = False  # may open sealed sections on request (audited), if the role allows

    @property
    def compartment_names(self) -> tuple[str, ...]:
        return tuple(c for c in self.compartments.split(",") if c)

    def state(self, now: datetime) -> str:
        """ "active", "expired" or "revoked"."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if now >= datetime.fromisoformat(self.expires_at) else "active"


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just made: its text is shown once and kept nowhere."""

    row: ApiTokenRow
    text: str
    secret: bytes


@dataclass(frozen=True, slots=True)
class Grant:
    """What an accepted token may do: its user, permissions and compartment keys."""

    row: ApiTokenRow
    user: UserRow
    permissions: frozenset[str]
    keys: dict[str, dict[int, bytes]]


@dataclass(frozen=True, slots=True)
class TokenAudit:
    """An audit writer that names the token in every entry a token session writes, so that
    what a script did is told apart from what its user did."""

    inner: AuditWriter
    token_id: str

    def write(
        self, action: str, record: str | None = None, details: dict[str, str] | None = None
    ) -> None:
        self.inner.write(action, record, {**(details or {}), "token": self.token_id})


class TokenStore(Protocol):
    """What tokens need of the store."""

    def transaction(self) -> AbstractContextManager[None]: ...

    def get_user(self, name: str) -> UserRow | None: ...

    def wraps_for(self, holder: str) -> list[KeyWrap]: ...

    def compartment_version(self, name: str) -> int | None: ...

    def save_api_token(self, token: ApiTokenRow) -> None: ...

    def get_api_token(self, token_id: str) -> ApiTokenRow | None: ...

    def api_tokens(self, user: str | None = None) -> list[ApiTokenRow]: ...


class TokenKeys(Protocol):
    """Makes token secrets, hashes them and seals key bundles to them."""

    def new(self) -> tuple[str, bytes, str]: ...

    def lookup_hash(self, secret: bytes) -> str: ...

    def matches(self, secret: bytes, stored_hash: str) -> bool: ...

    def seal_keys(self, secret: bytes, keys: dict[str, dict[int, bytes]]) -> bytes: ...

    def open_keys(self, secret: bytes, sealed: bytes) -> dict[str, dict[int, bytes]]: ...


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def create_token(
    ws: Workspace,
    store: TokenStore,
    keys: TokenKeys,
    held: dict[str, dict[int, bytes]],
    label: str,
    scope: str,
    compartments: Sequence[str],
    days: int = DEFAULT_DAYS,
    reveal: bool = False,
) -> NewToken:
    """Make a token for the signed-in user, who holds the compartment keys ``held``.

    The token may use only compartments the user holds and a scope the user's role allows;
    ``reveal`` lets it open sealed sections on request, each opening audited.
    """
    actor = ws.require("record.read")
    label = label.strip()
    if not label or len(label) > MAX_LABEL:
        raise NotAllowed(f"a token needs a name of 1 to {MAX_LABEL} characters")
    if scope not in SCOPES:
        raise NotAllowed(f"scope {scope!r} is not one of {', '.join(SCOPES)}")
    if scope == "read-write" and not allows(actor.role, "record.write"):
        raise NotAllowed(f"{actor.name} ({actor.role}) may not write records, nor may a token")
    if reveal and not allows(actor.role, "sealed.reveal"):
        raise NotAllowed(f"{actor.name} ({actor.role}) may not reveal sealed data, nor may a token")
    if not 1 <= days <= MAX_DAYS:
        raise NotAllowed(f"a token lasts 1 to {MAX_DAYS} days, not {days}")
    chosen = list(dict.fromkeys(c.strip() for c in compartments if c.strip()))
    if not chosen:
        raise NotAllowed("a token needs at least one compartment")
    for compartment in chosen:
        if compartment == INSTANCE_COMPARTMENT or not held.get(compartment):
            raise NotAllowed(f"{actor.name} is not a member of compartment {compartment!r}")
    token_id, secret, text = keys.new()
    bundle = {c: dict(held[c]) for c in (*chosen, INSTANCE_COMPARTMENT) if held.get(c)}
    now = ws.clock()
    row = ApiTokenRow(
        id=token_id,
        user=actor.name,
        label=label,
        scope=scope,
        compartments=",".join(chosen),
        created_at=_stamp(now),
        expires_at=_stamp(now + timedelta(days=days)),
        secret_hash=keys.lookup_hash(secret),
        sealed_keys=keys.seal_keys(secret, bundle),
        reveal=reveal,
    )
    with store.transaction():
        store.save_api_token(row)
        ws.record_event(
            "token-create",
            None,
            {
                "token": token_id,
                "scope": scope,
                "compartments": row.compartments,
                "reveal": "yes" if reveal else "no",
            },
        )
    return NewToken(row, text, secret)


def list_tokens(ws: Workspace, store: TokenStore) -> list[ApiTokenRow]:
    """Return the signed-in user's own tokens, newest first (never a secret)."""
    actor = ws.require("record.read")
    return sorted(store.api_tokens(actor.name), key=lambda t: (t.created_at, t.id), reverse=True)


def revoke_token(ws: Workspace, store: TokenStore, token_id: str) -> ApiTokenRow:
    """Revoke one of one's own tokens (an administrator may revoke anyone's)."""
    actor = ws.require("record.read")
    row = store.get_api_token(token_id.strip().lower())
    if row is None or (row.user != actor.name and not allows(actor.role, "user.manage")):
        raise NotAllowed(f"no token {token_id!r} of yours")
    if row.revoked_at is None:
        row.revoked_at = _stamp(ws.clock())
        row.sealed_keys = b""  # the keys are no use any more: a copy of the database keeps none
        with store.transaction():
            store.save_api_token(row)
            ws.record_event("token-revoke", None, {"token": row.id, "user": row.user})
    return row


def forget_expired(store: TokenStore, now: datetime) -> list[str]:
    """Destroy the key bundles of tokens that expired; return their ids (to forget elsewhere).

    An expired token is refused anyway; without its bundle, a copy of the database taken
    later gives nothing to whoever still has the token's text.
    """
    expired = [t for t in store.api_tokens() if t.sealed_keys and t.state(now) == "expired"]
    with store.transaction():
        for row in expired:
            row.sealed_keys = b""
            store.save_api_token(row)
    return [row.id for row in expired]


def check_token(store: TokenStore, token_id: str, now: datetime) -> tuple[ApiTokenRow, UserRow]:
    """Return a token that may still be used and its user, or raise TokenRefused."""
    row = store.get_api_token(token_id)
    if row is None:
        raise TokenRefused("invalid token")
    state = row.state(now)
    if state != "active":
        raise TokenRefused(f"this token is {state}")
    user = store.get_user(row.user)
    if user is None or user.disabled:
        raise TokenRefused("this token's user is disabled")
    return row, user


def still_held(store: TokenStore, user: str, compartments: Iterable[str]) -> dict[str, int]:
    """Of the given compartments, those the user still holds the current key of, with the
    current key version of each."""
    holds = {(w.compartment, w.key_version) for w in store.wraps_for(user)}
    held = {}
    for compartment in compartments:
        version = store.compartment_version(compartment)
        if version is not None and (compartment, version) in holds:
            held[compartment] = version
    return held


def open_token(
    store: TokenStore, keys: TokenKeys, token_id: str, secret: bytes, now: datetime
) -> Grant:
    """Accept a presented token: check it, then open the keys it may still use.

    A compartment whose key was rotated since, or that the user left, is dropped; the instance
    compartment's key (which signs audit entries) must still be current.
    """
    row = store.get_api_token(token_id)
    if row is None or not keys.matches(secret, row.secret_hash):
        raise TokenRefused("invalid token")
    row, user = check_token(store, token_id, now)
    bundle = keys.open_keys(secret, row.sealed_keys)
    current = still_held(store, user.name, bundle)
    usable = {c: versions for c, versions in bundle.items() if current.get(c) in versions}
    if INSTANCE_COMPARTMENT not in usable:
        raise TokenRefused("this token no longer fits its user's keys: create a new one")
    permissions = SCOPES[row.scope] | ({"sealed.reveal"} if row.reveal else set())
    return Grant(row, user, frozenset(permissions), usable)
