"""Compartments: who holds which data key, and key rotation when a member leaves.

A compartment's random data key reaches each member wrapped to their public key. Removing a
member deletes their wraps and starts a new key version, wrapped to the remaining members only;
`rekey` then re-encrypts every sealed section of the compartment under it in batches, each
committed on its own, so an interrupted rotation resumes where it stopped. Once nothing sealed
under an old version remains, the old versions' wraps are deleted.
"""

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from vigil.domain.codes import RecordKind
from vigil.services import person_search, recovery
from vigil.services.accounts import Session
from vigil.services.permissions import NotAllowed, check
from vigil.services.ports import (
    AccountStore,
    Cipher,
    CompartmentIndex,
    KeyWrap,
    RecordStore,
    SealedRow,
    UserKeys,
)
from vigil.services.stored import seal_context
from vigil.services.workspace import INSTANCE_COMPARTMENT, Workspace

BATCH = 5000
_NAME_CHARACTERS = set("abcdefghijklmnopqrstuvwxyz0123456789-_. ")

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class CompartmentInfo:
    """A compartment as listed: its key version, its members, whether a rotation is unfinished."""

    name: str
    key_version: int
    members: tuple[str, ...]
    rekey_pending: bool


@dataclass(frozen=True, slots=True)
class RekeyResult:
    """What a rotation re-encrypted, and how many old wraps it then deleted."""

    resealed: int
    wraps_deleted: int
    index_seconds: float = 0.0  # of the run, spent rewriting the name index


def _check_name(name: str) -> None:
    if not name or len(name) > 64 or not set(name.lower()) <= _NAME_CHARACTERS:
        raise NotAllowed(
            f"compartment name {name!r}: use 1 to 64 letters, digits, spaces, '.', '-' or '_'"
        )
    if name.strip() != name:
        raise NotAllowed(f"compartment name {name!r} starts or ends with a space")
    if name == INSTANCE_COMPARTMENT:
        raise NotAllowed(f"{INSTANCE_COMPARTMENT!r} is reserved for the instance's own keys")


def _members(store: AccountStore, name: str, version: int) -> list[str]:
    return sorted(w.holder for w in store.wraps_of(name) if w.key_version == version and w.to_user)


def ensure_instance(store: AccountStore, keys: UserKeys, session: Session) -> bool:
    """Give an instance made before the instance compartment existed its key, wrapped to every
    user (only public keys are needed); return True if it was created now."""
    if store.compartment_version(INSTANCE_COMPARTMENT) is not None:
        return False
    key = keys.new_data_key()
    with store.transaction():
        store.save_compartment(INSTANCE_COMPARTMENT, 1)
        for account in store.users():
            _wrap_to(store, keys, INSTANCE_COMPARTMENT, 1, key, account.name)
    session.keys[INSTANCE_COMPARTMENT] = {1: key}
    return True


def list_compartments(store: AccountStore, session: Session) -> list[CompartmentInfo]:
    """Every compartment for those who manage them; one's own for everyone else."""
    manager = session.user.role == "admin"
    found = []
    for name, version in store.compartments():
        if name == INSTANCE_COMPARTMENT or not (manager or name in session.keys):
            continue
        wraps = store.wraps_of(name)
        found.append(
            CompartmentInfo(
                name,
                version,
                tuple(_members(store, name, version)),
                any(w.key_version < version for w in wraps),
            )
        )
    return found


def _wrap_to(
    store: AccountStore, keys: UserKeys, name: str, version: int, key: bytes, user: str
) -> None:
    account = store.get_user(user)
    if account is None:
        raise NotAllowed(f"no user {user!r}")
    store.add_wrap(KeyWrap(name, version, user, keys.wrap_for(account.public_key, key)))


def create(
    ws: Workspace,
    store: AccountStore,
    keys: UserKeys,
    session: Session,
    name: str,
    members: tuple[str, ...] = (),
) -> None:
    """Create a compartment with a new random key, held by its creator and the named members."""
    check(session.user.name, session.user.role, "compartment.manage")
    _check_name(name)
    with store.transaction():
        if store.compartment_version(name) is not None:
            raise NotAllowed(f"compartment {name!r} already exists")
        key = keys.new_data_key()
        store.save_compartment(name, 1)
        for user in dict.fromkeys((session.user.name, *members)):
            _wrap_to(store, keys, name, 1, key, user)
        recovery.wrap_for_recovery(store, keys, name, 1, key)
        holders = ",".join(dict.fromkeys((session.user.name, *members)))
        ws.record_event("compartment-create", None, {"compartment": name, "members": holders})
        person_search.mark_index_built(ws.store, name, 1)  # nobody to index yet
    session.keys[name] = {1: key}
    ws.ciphers[name] = session.cipher(keys, name)
    ws.rebuild_indexes()


def add_member(
    ws: Workspace, store: AccountStore, keys: UserKeys, session: Session, name: str, user: str
) -> None:
    """Give a user every key version of a compartment that the administrator holds."""
    check(session.user.name, session.user.role, "compartment.manage")
    versions = session.keys.get(name)
    current = store.compartment_version(name)
    if current is None or not versions:
        raise NotAllowed(f"you hold no key of compartment {name!r} to share")
    if name == INSTANCE_COMPARTMENT:
        raise NotAllowed(f"every user already holds the {INSTANCE_COMPARTMENT!r} key")
    with store.transaction():
        if user in _members(store, name, current):
            raise NotAllowed(f"{user} is already a member of {name!r}")
        for version, key in sorted(versions.items()):
            _wrap_to(store, keys, name, version, key, user)
        ws.record_event("member-add", None, {"compartment": name, "user": user})


def remove_member(
    ws: Workspace,
    store: AccountStore,
    keys: UserKeys,
    session: Session,
    name: str,
    user: str,
) -> int:
    """Take a user's keys away and start a new key version; return it.

    The removed user's wraps are deleted at once; what is written from now on is sealed under
    the new version, which only the remaining members hold. `rekey` re-encrypts the rest.
    """
    check(session.user.name, session.user.role, "compartment.manage")
    if name == INSTANCE_COMPARTMENT:
        raise NotAllowed("to take someone's access to the instance away, disable their account")
    current = store.compartment_version(name)
    versions = session.keys.get(name, {})
    if current is None or current not in versions:
        raise NotAllowed(f"you hold no current key of compartment {name!r}")
    with store.transaction():
        remaining = _members(store, name, current)
        if user not in remaining:
            raise NotAllowed(f"{user} is not a member of {name!r}")
        remaining.remove(user)
        store.delete_wraps(name, holder=user)
        key, version = keys.new_data_key(), current + 1
        store.save_compartment(name, version)
        for member in remaining:
            _wrap_to(store, keys, name, version, key, member)
        recovery.wrap_for_recovery(store, keys, name, version, key)
        ws.record_event(
            "member-remove", None, {"compartment": name, "user": user, "key_version": str(version)}
        )
    versions[version] = key
    session.keys[name] = versions
    ws.ciphers[name] = session.cipher(keys, name)
    ws.rebuild_indexes()  # the name index is stale until `rekey` rebuilds it under the new key
    return version


def _reseal(
    rows: list[SealedRow], cipher: Cipher, current: int
) -> tuple[list[SealedRow], dict[str, bytes]]:
    """Seal again under the current key what is sealed under an older one; also return the
    plaintexts opened (by code), in memory only, for the name index."""
    changed, opened = [], {}
    for row in rows:
        if cipher.version_of(row.sealed) == current:
            continue
        context = seal_context(row.kind, row.code)
        plain = cipher.open(row.sealed, context)
        changed.append(SealedRow(row.kind, row.code, cipher.seal(plain, context), row.id))
        opened[row.code] = plain
    return changed, opened


def _batches(
    store: RecordStore, name: str, size: int
) -> Iterator[tuple[RecordKind | None, list[SealedRow]]]:
    """Yield the compartment's sealed sections batch by batch: history entries (kind None) by
    id, then current records of each kind by code."""
    after = 0
    while rows := store.sealed_versions(name, after, size):
        yield None, rows
        after = rows[-1].id
    for kind in RecordKind:
        last = ""
        while rows := store.sealed_current(kind, name, last, size):
            yield kind, rows
            last = rows[-1].code


def sealed_count(ws: Workspace, name: str) -> int:
    """Return how many sealed sections (history and current) a rotation has to look at."""
    return ws.store.count_sealed(name)


def rekey(
    ws: Workspace,
    store: AccountStore,
    keys: UserKeys,
    session: Session,
    name: str,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> RekeyResult:
    """Re-encrypt every sealed section of a compartment under its current key version.

    Each batch is its own transaction; running it again after an interruption skips what is
    already re-encrypted. Only a member holding both the old and the current keys can do it.
    """
    check(session.user.name, session.user.role, "compartment.rekey")
    current = store.compartment_version(name)
    if current is None or current not in session.keys.get(name, {}):
        raise NotAllowed(f"you hold no current key of compartment {name!r}")
    cipher = session.cipher(keys, name)
    ws.rebuild_indexes()
    target = ws.name_indexes.get(name)
    resealed = indexed = 0
    index_seconds = 0.0
    memo: dict[str, set[str]] = {}  # terms of each name seen in this run; memory only
    for kind, rows in _batches(ws.store, name, batch):
        changed, opened = _reseal(rows, cipher, current)
        with ws.store.transaction():
            ws.store.reseal(kind, changed)
            if kind is RecordKind.PERSON and target is not None and opened:
                # the name index follows the key: a person's terms are rewritten in the same
                # transaction as their identity, so a resumed run finds both done or neither
                started = time.perf_counter()
                ws.store.replace_person_tokens(name, _terms(target, opened, memo))
                index_seconds += time.perf_counter() - started
                indexed += len(opened)
        resealed += len(changed)
        if progress:
            progress(len(rows))
    with store.transaction():
        deleted = store.delete_wraps(name, below=current)
        person_search.mark_index_built(ws.store, name, current)
        ws.record_event(
            "rekey",
            None,
            {
                "compartment": name,
                "key_version": str(current),
                "resealed": str(resealed),
                "indexed": str(indexed),
            },
        )
    session.keys[name] = {current: session.keys[name][current]}
    ws.ciphers[name] = session.cipher(keys, name)
    ws.rebuild_indexes()
    return RekeyResult(resealed, deleted, index_seconds)


def _terms(
    target: CompartmentIndex, opened: dict[str, bytes], memo: dict[str, set[str]]
) -> dict[str, set[str]]:
    """Return each opened person's terms under the new index; a name met before in the same
    run is not normalised and hashed again."""
    terms = {}
    for code, plain in opened.items():
        found: set[str] = set()
        for each in person_search.identity_names(json.loads(plain)):
            if each not in memo:
                memo[each] = person_search.person_terms(target.names, [each])
            found |= memo[each]
        terms[code] = found
    return terms
