"""The ports a use case works with, who is acting, and the errors every use case may raise."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from vigil.services.permissions import NotAllowed, check
from vigil.services.ports import AuditWriter, Cipher, CompartmentIndex, RecordStore
from vigil.services.vocabularies import Vocabularies

DEFAULT_COMPARTMENT = "default"
# Holds the instance's own secrets (the audit signing key); every user is a member, no record is.
INSTANCE_COMPARTMENT = "instance"

_SIGN_IN = "this needs a signed-in user (VIGIL_USER, VIGIL_PASSPHRASE or the prompt)"


class Locked(Exception):
    """Sealed data or a change was asked for, but no user has signed in."""


class NotFound(Exception):
    """No current record has this code (or none the signed-in user may see)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Actor:
    """The signed-in user as use cases see them: a name and a role."""

    name: str
    role: str
    # An API token narrows what the role allows to these permissions (None: the role's own).
    permissions: frozenset[str] | None = None


@dataclass(slots=True)
class Workspace:
    """What use cases need: the store, the vocabularies, the actor and their compartment ciphers."""

    store: RecordStore
    vocabularies: Vocabularies
    clock: Callable[[], datetime] = utc_now
    audit: AuditWriter | None = None
    actor: Actor | None = None
    ciphers: dict[str, Cipher] = field(default_factory=dict)
    # Per compartment the signed-in user holds a key to: its name index and cipher.
    name_indexes: dict[str, CompartmentIndex] = field(default_factory=dict)
    # Rebuilds name_indexes after the session's keys changed (a rotation); set at sign-in.
    rebuild_indexes: Callable[[], None] = field(default=lambda: None)

    def require(self, permission: str) -> Actor:
        """Return the actor if signed in and their role holds the permission; fail otherwise."""
        if self.actor is None:
            raise Locked(_SIGN_IN)
        check(self.actor.name, self.actor.role, permission)
        if self.actor.permissions is not None and permission not in self.actor.permissions:
            raise NotAllowed(f"this API token's scope does not allow {permission}")
        return self.actor

    def cipher_for(self, compartment: str) -> Cipher:
        """Return a compartment's cipher, or fail: sealed data needs a signed-in member."""
        if self.actor is None:
            raise Locked(_SIGN_IN)
        cipher = self.ciphers.get(compartment)
        if cipher is None or compartment == INSTANCE_COMPARTMENT:
            raise NotAllowed(f"{self.actor.name} is not a member of compartment {compartment!r}")
        return cipher

    @property
    def readable(self) -> tuple[str, ...]:
        """The compartments whose records the actor may see: those they hold a key of."""
        return tuple(sorted(c for c in self.ciphers if c != INSTANCE_COMPARTMENT))

    def compartment_filter(self) -> tuple[str, ...] | None:
        """The compartments a query must be limited to, or None when the actor reads every
        compartment there is (the common case, where a filter would only cost time)."""
        every = {name for name, _ in self.store.compartments()} - {INSTANCE_COMPARTMENT}
        readable = self.readable
        return None if every <= set(readable) else readable

    def can_read(self, compartment: str) -> bool:
        return compartment in self.ciphers and compartment != INSTANCE_COMPARTMENT

    def record_event(
        self, action: str, record: str | None = None, details: dict[str, str] | None = None
    ) -> None:
        """Append a signed audit entry; every change needs a signed-in user to sign it."""
        if self.audit is None:
            raise Locked("this change " + _SIGN_IN.removeprefix("this "))
        with self.store.transaction():
            self.audit.write(action, record, details)

    def timestamp(self) -> str:
        return self.clock().isoformat(timespec="microseconds")
