"""Emergency crypto-shredding: destroy every wrapped key so that a seized copy is worthless.

Shredding needs no sign-in: it reveals nothing, it only destroys, and in an emergency a
passphrase may not be at hand. It cannot be signed into the audit log (the audit key is sealed
under a compartment key that is gone), so it is kept as an event awaiting a signature, like a
failed sign-in, and signed by the next restore.
"""

import json
import secrets
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from vigil.services.instance import CHECK_SETTING, KDF_SETTING
from vigil.services.ports import KeyWrap

CONFIRMATION = "destroy every key"
SHRED_ACTOR = "@emergency"
MEMBERS_SETTING = "members_at_shred"


class ShredStore(Protocol):
    """What shredding needs of the store."""

    def transaction(self) -> AbstractContextManager[None]: ...

    def all_wraps(self) -> list[KeyWrap]: ...

    def read_setting(self, key: str) -> str | None: ...

    def write_setting(self, key: str, value: str) -> None: ...

    def delete_setting(self, key: str) -> None: ...

    def shred_keys(self) -> dict[str, int]:
        """Overwrite, then delete, every wrapped key; return how many of each were destroyed."""
        ...

    def compact(self) -> bool:
        """Rewrite the database so the pages that held the keys are gone (SQLite: VACUUM and
        a WAL checkpoint; PostgreSQL: VACUUM FULL of the key tables); False if another
        connection kept the old pages from being emptied."""
        ...

    def add_pending_event(self, at: str, actor: str, action: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Shredded:
    """What was destroyed."""

    counts: dict[str, int]
    compacted: bool
    key_files: list[str]


def shred(
    store: ShredStore,
    now: datetime,
    key_files: Sequence[str] = (),
    destroy_file: Callable[[str], bool] | None = None,
) -> Shredded:
    """Destroy every wrapped key of the instance, then the key files given.

    Who held which compartment's keys (names only) is kept, so that a restore can give each
    user back the compartments they belonged to; a user still waiting for a restore since an
    earlier shred keeps the compartments recorded then.

    ``key_files`` is the hook for key material kept beside the database (for instance the key
    file of a whole-file encrypted database): the composition root lists them, and each one is
    overwritten and removed by ``destroy_file`` after the database keys are gone, since opening
    the database may need them.
    """
    with store.transaction():
        recorded = store.read_setting(MEMBERS_SETTING)
        members: dict[str, list[str]] = json.loads(recorded) if recorded else {}
        held: dict[str, set[str]] = {}
        for wrap in store.all_wraps():
            if wrap.to_user:
                held.setdefault(wrap.holder, set()).add(wrap.compartment)
        members.update({user: sorted(names) for user, names in held.items()})
        store.write_setting(MEMBERS_SETTING, json.dumps(dict(sorted(members.items()))))
        counts = store.shred_keys()
        legacy = store.read_setting(KDF_SETTING)
        if legacy is not None:
            # An instance from before user accounts: its key is derived from the passphrase and
            # this salt, so destroying the salt destroys the key.
            store.write_setting(KDF_SETTING, secrets.token_hex(len(legacy) // 2 + 1))
            store.delete_setting(KDF_SETTING)
            store.delete_setting(CHECK_SETTING)
            counts["instance keys"] = 1
        store.add_pending_event(now.isoformat(timespec="microseconds"), SHRED_ACTOR, "shred")
    compacted = store.compact()
    destroyed = []
    if destroy_file is not None:
        destroyed = [path for path in key_files if destroy_file(path)]
    return Shredded(counts, compacted, destroyed)
