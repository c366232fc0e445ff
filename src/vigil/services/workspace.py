"""The bundle of ports a use case works with, and the errors every use case may raise."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from vigil.services.ports import Cipher, RecordStore
from vigil.services.vocabularies import Vocabularies


class Locked(Exception):
    """Sealed data was asked for, but the instance passphrase was not given."""


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

    def require_cipher(self) -> Cipher:
        """Return the cipher, or fail: sealed data needs the instance passphrase."""
        if self.cipher is None:
            raise Locked("this needs the instance passphrase (prompt or VIGIL_PASSPHRASE)")
        return self.cipher

    def timestamp(self) -> str:
        return self.clock().isoformat(timespec="microseconds")
