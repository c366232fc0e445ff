"""The bundle of ports a use case works with, and the errors every use case may raise."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from vigil.services.ports import AuditWriter, Cipher, CompartmentIndex, RecordStore
from vigil.services.vocabularies import Vocabularies


class Locked(Exception):
    """Sealed data or a change was asked for, but no user has signed in."""


class NotFound(Exception):
    """No current record has this code."""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Workspace:
    """What use cases need: the store, the vocabularies, and the cipher when unlocked."""

    store: RecordStore
    vocabularies: Vocabularies
    cipher: Cipher | None = None
    clock: Callable[[], datetime] = utc_now
    audit: AuditWriter | None = None
    # Per compartment the signed-in user holds a key to: its name index and cipher.
    name_indexes: dict[str, CompartmentIndex] = field(default_factory=dict)

    def require_cipher(self) -> Cipher:
        """Return the cipher, or fail: sealed data needs a signed-in member."""
        if self.cipher is None:
            raise Locked("this needs a signed-in user (VIGIL_USER, VIGIL_PASSPHRASE or the prompt)")
        return self.cipher

    def record_event(
        self, action: str, record: str | None = None, details: dict[str, str] | None = None
    ) -> None:
        """Append a signed audit entry; every change needs the unlocked instance to sign it."""
        if self.audit is None:
            raise Locked(
                "this change needs a signed-in user (VIGIL_USER, VIGIL_PASSPHRASE or the prompt)"
            )
        with self.store.transaction():
            self.audit.write(action, record, details)

    def timestamp(self) -> str:
        return self.clock().isoformat(timespec="microseconds")
