"""Trustee recovery: an organisation recovery key split k-of-n, wrapping every compartment key.

The recovery key is an X25519 key pair like a user's. Its public key is kept in the instance and
every compartment key version is wrapped to it under the holder name ``@recovery``, which no
user can have. Its private key exists only while a split or a restore runs: it is split into
trustees' shares and forgotten. Any k shares bring it back, open the recovery wraps and give a
user who lost their passphrase a new key pair and fresh wraps of their compartments' keys.
"""

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from vigil.services.accounts import NotAllowed, Session, require
from vigil.services.ports import AccountStore, AuditWriter, Cipher, KeyWrap, UserKeys
from vigil.services.shredding import MEMBERS_SETTING
from vigil.services.workspace import INSTANCE_COMPARTMENT

RECOVERY_HOLDER = "@recovery"
PUBLIC_KEY_SETTING = "recovery_public_key"
SPLIT_SETTING = "recovery_split"
WRAPS_FORMAT = "vigil-recovery-wraps/1"
MAX_SHARES = 16


class RecoveryFailed(Exception):
    """Shares, a wraps file or a restore that cannot be used; nothing was changed."""


class RecoveryKeys(Protocol):
    """The recovery key pair and Shamir's secret sharing, behind a port."""

    def new_key_pair(self) -> tuple[bytes, bytes]:
        """Return a new (private, public) X25519 key pair."""
        ...

    def public_key(self, private_key: bytes) -> bytes: ...

    def unwrap(self, private_key: bytes, wrapped: bytes) -> bytes:
        """Open a key sealed to the recovery public key, or raise RecoveryFailed."""
        ...

    def split(self, secret: bytes, threshold: int, shares: int) -> list[str]: ...

    def combine(self, shares: Sequence[str]) -> bytes:
        """Restore the secret from k shares of one split, or raise RecoveryFailed."""
        ...

    def fingerprint(self, secret: bytes) -> str: ...


class RecoveryStore(AccountStore, Protocol):
    """What recovery needs of the store beyond accounts: settings and every wrap."""

    def write_setting(self, key: str, value: str) -> None: ...

    def key_versions(self) -> list[tuple[str, int]]:
        """Return every (compartment, key version) the instance knows of."""
        ...

    def all_wraps(self) -> list[KeyWrap]: ...

    def delete_holder_wraps(self, holder: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Split:
    """A new recovery split: the shares to hand out once, and what it covers."""

    shares: list[str]
    threshold: int
    fingerprint: str
    wrapped: list[tuple[str, int]]
    not_wrapped: list[tuple[str, int]]
    wraps_document: str


@dataclass(frozen=True, slots=True)
class WrapsFile:
    """An off-machine copy of the recovery wraps; useless without k shares."""

    public_key: bytes
    wraps: list[KeyWrap]
    members: dict[str, list[str]] = field(default_factory=dict)
    # the embedded database's whole-file key, sealed to the recovery public key
    database_key: bytes | None = None


@dataclass(frozen=True, slots=True)
class Restored:
    """What a restore gave a user."""

    user: str
    compartments: list[str]
    fingerprint: str
    reinstalled_wraps: bool


def has_recovery_key(store: AccountStore) -> bool:
    """Tell whether a recovery key was split: then every new compartment key is wrapped to it,
    and the off-machine copy of the wraps needs writing again."""
    return store.read_setting(PUBLIC_KEY_SETTING) is not None


def wrap_for_recovery(
    store: AccountStore, keys: UserKeys, compartment: str, version: int, key: bytes
) -> bool:
    """Wrap a new compartment key version to the recovery public key, if a split exists.

    Call it wherever a compartment key version is created (a new compartment, a rotation), in
    the same transaction. Return False when no recovery key has been split yet.
    """
    public = store.read_setting(PUBLIC_KEY_SETTING)
    if public is None:
        return False
    wrapped = keys.wrap_for(bytes.fromhex(public), key)
    store.add_wrap(KeyWrap(compartment, version, RECOVERY_HOLDER, wrapped))
    return True


def split_recovery(
    store: RecoveryStore,
    keys: UserKeys,
    recovery: RecoveryKeys,
    session: Session,
    audit: AuditWriter,
    threshold: int,
    shares: int,
    now: datetime,
) -> Split:
    """Create a recovery key, wrap every compartment key version the administrator holds to it,
    and split its private half into shares; a split made before is replaced.

    Neither the shares nor the private key are stored: they are returned once to be handed out.
    """
    require(session, "recovery.manage")
    if not 2 <= threshold <= shares <= MAX_SHARES:
        raise RecoveryFailed(
            f"need 2 <= threshold <= shares <= {MAX_SHARES}; got {threshold} of {shares}; "
            "nothing was changed"
        )
    if not session.keys.get(INSTANCE_COMPARTMENT):
        raise NotAllowed(
            f"you hold no key of the {INSTANCE_COMPARTMENT!r} compartment, which a restore needs "
            "to sign the audit log; nothing was changed"
        )
    held = {(name, version) for name, versions in session.keys.items() for version in versions}
    known = set(store.key_versions()) | held
    private, public = recovery.new_key_pair()
    printed = recovery.split(private, threshold, shares)
    new_wraps = [
        KeyWrap(name, version, RECOVERY_HOLDER, keys.wrap_for(public, session.keys[name][version]))
        for name, version in sorted(held)
    ]
    members = _members(store.all_wraps())
    with store.transaction():
        store.delete_holder_wraps(RECOVERY_HOLDER)
        for wrap in new_wraps:
            store.add_wrap(wrap)
        store.write_setting(PUBLIC_KEY_SETTING, public.hex())
        store.write_setting(
            SPLIT_SETTING,
            json.dumps(
                {"threshold": threshold, "shares": shares, "at": now.isoformat(timespec="seconds")}
            ),
        )
        audit.write(
            "recovery-split",
            None,
            {
                "threshold": str(threshold),
                "shares": str(shares),
                "wrapped": str(len(new_wraps)),
                "not_wrapped": ",".join(f"{n}/{v}" for n, v in sorted(known - held)),
            },
        )
    return Split(
        shares=printed,
        threshold=threshold,
        fingerprint=recovery.fingerprint(private),
        wrapped=sorted(held),
        not_wrapped=sorted(known - held),
        wraps_document=wraps_document(public, new_wraps, members),
    )


def current_wraps_document(store: RecoveryStore) -> str:
    """Return the instance's recovery wraps as a wraps file, to keep off this machine."""
    public = store.read_setting(PUBLIC_KEY_SETTING)
    wraps = store.wraps_for(RECOVERY_HOLDER)
    if public is None or not wraps:
        raise RecoveryFailed(
            "this instance holds no recovery wraps: run `vigil recovery split` first"
        )
    return wraps_document(bytes.fromhex(public), wraps, _members(store.all_wraps()))


def wraps_document(public: bytes, wraps: Iterable[KeyWrap], members: dict[str, list[str]]) -> str:
    """Serialise recovery wraps (and who held each compartment) as JSON."""
    document = {
        "format": WRAPS_FORMAT,
        "public_key": public.hex(),
        "wraps": [
            {
                "compartment": wrap.compartment,
                "version": wrap.key_version,
                "wrapped": base64.b64encode(wrap.wrapped).decode("ascii"),
            }
            for wrap in wraps
        ],
        "members": members,
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def with_database_key(document: str, sealed: bytes) -> str:
    """Add the embedded database's key, sealed to the recovery public key, to a wraps file:
    after a shred it is the only way back into the database file."""
    content = json.loads(document)
    content["database_key"] = base64.b64encode(sealed).decode("ascii")
    return json.dumps(content, indent=2, sort_keys=True) + "\n"


def read_wraps_document(text: str) -> WrapsFile:
    """Read a wraps file, refusing anything that is not one."""
    try:
        document: Any = json.loads(text)
        if not isinstance(document, dict) or document.get("format") != WRAPS_FORMAT:
            raise ValueError("format")
        wraps = [
            KeyWrap(
                str(item["compartment"]),
                int(item["version"]),
                RECOVERY_HOLDER,
                base64.b64decode(item["wrapped"], validate=True),
            )
            for item in document["wraps"]
        ]
        members = {
            str(name): [str(holder) for holder in holders]
            for name, holders in dict(document.get("members") or {}).items()
        }
        sealed = document.get("database_key")
        database_key = None if sealed is None else base64.b64decode(sealed, validate=True)
        return WrapsFile(bytes.fromhex(document["public_key"]), wraps, members, database_key)
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise RecoveryFailed("the wraps file is not a Vigil recovery wraps file") from None


def restore_user(
    store: RecoveryStore,
    keys: UserKeys,
    recovery: RecoveryKeys,
    open_audit: Callable[[Cipher], AuditWriter],
    name: str,
    shares: Sequence[str],
    passphrase: str,
    wraps_file: WrapsFile | None = None,
    extra_compartments: Sequence[str] = (),
) -> Restored:
    """Give a user a new key pair under a new passphrase and fresh wraps of their compartments'
    keys, opened with k trustees' shares; needs no signed-in user.

    The user's compartments are those they hold keys of; after a shred, those they held when it
    ran (or, failing that, those the wraps file lists); and any named in ``extra_compartments``.
    Everything is checked before anything is written; the restore and any events awaiting a
    signature are signed into the audit log with the audit key, which the recovered key of the
    instance compartment opens.
    """
    user = store.get_user(name)
    if user is None:
        raise NotAllowed(f"no user {name!r}; nothing was changed")
    on_instance = store.wraps_for(RECOVERY_HOLDER)
    stored_public = store.read_setting(PUBLIC_KEY_SETTING)
    if wraps_file is not None:
        public, recovery_wraps = wraps_file.public_key, wraps_file.wraps
    elif on_instance and stored_public is not None:
        public, recovery_wraps = bytes.fromhex(stored_public), on_instance
    else:
        raise RecoveryFailed(
            "this instance holds no recovery wraps (shredded, or never split): give the "
            "off-machine copy with --wraps-file; nothing was changed"
        )
    private = recovery.combine(shares)
    if recovery.public_key(private) != public:
        raise RecoveryFailed(
            "these shares do not belong to this recovery key (shares of an older split?); "
            "nothing was changed"
        )
    opened: dict[str, dict[int, bytes]] = {}
    for wrap in recovery_wraps:
        opened.setdefault(wrap.compartment, {})[wrap.key_version] = recovery.unwrap(
            private, wrap.wrapped
        )
    if not opened.get(INSTANCE_COMPARTMENT):
        raise RecoveryFailed(
            f"the recovery key holds no key of the {INSTANCE_COMPARTMENT!r} compartment, so the "
            "audit log cannot be signed; nothing was changed"
        )
    member_of = _membership(store, name, not user.wrapped_private_key, wraps_file)
    member_of |= {*extra_compartments, INSTANCE_COMPARTMENT}
    missing = sorted(member_of - set(opened))
    if missing:
        raise RecoveryFailed(
            f"the recovery key holds no key of {', '.join(map(repr, missing))}; nothing was changed"
        )
    if not member_of:
        raise RecoveryFailed(
            f"{name} is a member of no compartment the recovery key knows of: name one with "
            "--compartment; nothing was changed"
        )
    created: Any = keys.create(passphrase)
    audit = open_audit(keys.cipher(opened[INSTANCE_COMPARTMENT], max(opened[INSTANCE_COMPARTMENT])))
    reinstall = wraps_file is not None and not on_instance
    with store.transaction():
        user.password_hash = created.password_hash
        user.kdf = created.kdf
        user.public_key = created.public_key
        user.wrapped_private_key = created.wrapped_private_key
        user.totp_sealed = None
        user.failed_count, user.locked_until = 0, None
        store.save_user(user)
        store.delete_holder_wraps(name)
        for compartment in sorted(member_of):
            for version, key in sorted(opened[compartment].items()):
                store.add_wrap(
                    KeyWrap(compartment, version, name, keys.wrap_for(created.public_key, key))
                )
        recorded = store.read_setting(MEMBERS_SETTING)
        if recorded is not None:
            remaining = {u: c for u, c in json.loads(recorded).items() if u != name}
            store.write_setting(MEMBERS_SETTING, json.dumps(remaining))
        if reinstall:
            for wrap in recovery_wraps:
                store.add_wrap(wrap)
            store.write_setting(PUBLIC_KEY_SETTING, public.hex())
        for at, actor, action in store.take_pending_events():
            audit.write(action, None, {"user": actor, "at": at})
        audit.write(
            "recovery-restore",
            None,
            {
                "user": name,
                "compartments": ",".join(sorted(member_of)),
                "wraps": "file" if wraps_file is not None else "instance",
            },
        )
    return Restored(name, sorted(member_of), recovery.fingerprint(private), reinstall)


def _membership(
    store: RecoveryStore, name: str, shredded: bool, wraps_file: WrapsFile | None
) -> set[str]:
    """Return the compartments a user belongs to: those they hold keys of; after a shred, those
    recorded when the keys were destroyed, or else those the wraps file lists."""
    member_of = {wrap.compartment for wrap in store.wraps_for(name)}
    if member_of or not shredded:
        return member_of
    recorded = store.read_setting(MEMBERS_SETTING)
    if recorded is not None:
        return set(json.loads(recorded).get(name, []))
    if wraps_file is not None:
        return {c for c, holders in wraps_file.members.items() if name in holders}
    return set()


def _members(wraps: Iterable[KeyWrap]) -> dict[str, list[str]]:
    members: dict[str, set[str]] = {}
    for wrap in wraps:
        if wrap.holder != RECOVERY_HOLDER:
            members.setdefault(wrap.compartment, set()).add(wrap.holder)
    return {name: sorted(holders) for name, holders in sorted(members.items())}
