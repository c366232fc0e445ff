"""The ports services need: a record store and a cipher. Storage and crypto implement them."""

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from vigil.domain.codes import RecordKind


class SealBroken(Exception):
    """A sealed value could not be opened: wrong key, or a ciphertext moved or altered."""


MIN_PASSPHRASE = 8  # characters; every passphrase a user chooses has at least this many


class WrongPassphrase(Exception):
    """The passphrase does not unlock this instance or this export file."""


@dataclass(frozen=True, slots=True)
class SealContext:
    """What a ciphertext is bound to, so it cannot be moved to another record or column."""

    table: str
    column: str
    record: str


class Cipher(Protocol):
    """Seals and opens field values (authenticated encryption bound to a context)."""

    @property
    def key_version(self) -> int: ...

    def seal(self, plaintext: bytes, context: SealContext) -> bytes:
        """Encrypt plaintext for one field of one record."""
        ...

    def open(self, sealed: bytes, context: SealContext) -> bytes:
        """Decrypt a sealed value, or raise SealBroken."""
        ...

    def version_of(self, sealed: bytes) -> int:
        """Return the key version a sealed value was sealed under (read from its header)."""
        ...


class NameIndex(Protocol):
    """A compartment's blind index of names: normalised tokens and their keyed, truncated terms."""

    def tokens(self, name: str) -> list[tuple[str, str]]:
        """Return each normalised token of a name with its phonetic code; plaintext, memory only."""
        ...

    def term(self, prefix: str, value: str) -> str:
        """Return the stored term of a token ("t") or of a phonetic code ("p")."""
        ...


@dataclass(frozen=True, slots=True)
class CompartmentIndex:
    """What a signed-in member needs to index and search one compartment's names.

    ``names`` is keyed by an index key derived from the data key of ``key_version`` (the
    compartment's current one); ``cipher`` opens the compartment's sealed identities.
    """

    compartment: str
    key_version: int
    names: NameIndex
    cipher: Cipher


@dataclass(slots=True)
class StoredRecord:
    """A record as the store keeps it: public data, sealed bytes and the columns to filter on."""

    kind: RecordKind
    code: str
    version: int
    data: dict[str, Any]
    sealed: bytes | None = None
    index: dict[str, Any] = field(default_factory=dict)
    links: dict[str, list[str]] = field(default_factory=dict)
    compartment: str = "default"


@dataclass(frozen=True, slots=True)
class Version:
    """One entry of a record's history: created, updated or deleted, when, with what."""

    code: str
    kind: RecordKind
    version: int
    action: str
    recorded_at: str
    data: dict[str, Any]
    sealed: bytes | None = None
    note: str | None = None
    compartment: str = "default"


@dataclass(frozen=True, slots=True)
class SealedRow:
    """A sealed section where it is stored: a history entry (by id) or a current record."""

    kind: RecordKind
    code: str
    sealed: bytes
    id: int = 0


@dataclass(frozen=True, slots=True)
class RecordQuery:
    """Filters for a listing; empty filters match everything."""

    kind: RecordKind
    period: tuple[date, date] | None = None
    places: Sequence[str] | None = None
    act_types: Sequence[str] | None = None
    source: str | None = None
    quantities: Sequence[str] | None = None
    qualifier: str | None = None
    limit: int = 50
    offset: int = 0
    compartments: Sequence[str] | None = None  # None: every compartment
    statuses: Sequence[str] | None = None  # incidents
    # incidents: every word must begin a word of the public text (title, description)
    words: Sequence[str] | None = None
    unlinked: bool = False  # claims that support no record
    newest_first: bool = False  # by date, latest first (the usual order reversed)


class RecordStore(Protocol):
    """Keeps records and every version of them."""

    def transaction(self) -> AbstractContextManager[None]:
        """Run the block atomically: everything is written, or nothing."""
        ...

    def add(self, records: Sequence[StoredRecord], recorded_at: str) -> None:
        """Write new records, each with its first version."""
        ...

    def replace(self, record: StoredRecord, recorded_at: str, note: str | None) -> None:
        """Write the next version of an existing record."""
        ...

    def remove(self, kind: RecordKind, code: str, recorded_at: str, note: str | None) -> None:
        """Record a deletion: the record leaves listings, its history stays."""
        ...

    def get(self, code: str) -> StoredRecord | None:
        """Return the current version of a record, or None if unknown or deleted."""
        ...

    def last_version(self, code: str) -> Version | None:
        """Return the latest history entry of a code, deleted or not."""
        ...

    def existing(self, codes: Iterable[str]) -> set[str]:
        """Return those of the codes that name a current (not deleted) record."""
        ...

    def known(self, codes: Iterable[str]) -> set[str]:
        """Return those of the codes that were ever used, deleted or not."""
        ...

    def history(self, code: str) -> list[Version]:
        """Return every version of a record, oldest first."""
        ...

    def versions(self, compartments: Sequence[str] | None = None) -> Iterator[Version]:
        """Yield every version of every record (of these compartments), in written order."""
        ...

    def restore(self, versions: Sequence[Version], current: Sequence[StoredRecord]) -> None:
        """Write imported history entries and the current records they end in."""
        ...

    def find(self, query: RecordQuery) -> list[StoredRecord]:
        """Return current records matching the filters, in a stable order."""
        ...

    def drop(self, kind: RecordKind, code: str) -> None:
        """Remove the current form of a record without writing history (imports replay it)."""
        ...

    def dangling(self) -> list[tuple[str, str, str]]:
        """Return (record, field, missing code) for references to records that do not exist."""
        ...

    def referring(self, code: str) -> set[str]:
        """Return the codes of current records that name this code."""
        ...

    def place_subtree(self, code: str) -> set[str]:
        """Return a place code with the codes of every place nested in it."""
        ...

    def count_by_kind(self, compartments: Sequence[str] | None = None) -> dict[RecordKind, int]:
        """Return how many current records of each kind these compartments (or all) hold."""
        ...

    def last_change(self) -> int:
        """Return a number that grows with every version written (0 when there is none), so
        that what was read from the store can be kept until it changes."""
        ...

    def incidents_per_year(
        self, compartments: Sequence[str] | None = None
    ) -> list[tuple[int, int]]:
        """Return (year of earliest possible day, number of incidents), for dated incidents."""
        ...

    def sealed_versions(self, compartment: str, after: int, limit: int) -> list[SealedRow]:
        """Return history entries of a compartment with a sealed section, by id after ``after``."""
        ...

    def count_sealed(self, compartment: str) -> int:
        """Return how many sealed sections (history and current) a compartment holds."""
        ...

    def sealed_current(
        self, kind: RecordKind, compartment: str, after: str, limit: int
    ) -> list[SealedRow]:
        """Return current records of a kind and compartment with a sealed section, by code."""
        ...

    def reseal(self, kind: RecordKind | None, rows: Sequence[SealedRow]) -> None:
        """Replace sealed sections: of history entries (kind None) or of current records."""
        ...

    def get_many(self, kind: RecordKind, codes: Iterable[str]) -> list[StoredRecord]:
        """Return the current versions of those of the codes that exist, in no set order."""
        ...

    def replace_person_tokens(
        self, compartment: str, tokens: Mapping[str, Collection[str]]
    ) -> None:
        """Make these the only blind-index terms of each person named (in any compartment)."""
        ...

    def clear_person_tokens(self, compartment: str) -> None:
        """Remove every blind-index term of a compartment (before rebuilding it)."""
        ...

    def match_person_tokens(
        self, compartment: str, groups: Sequence[Mapping[str, int]], limit: int
    ) -> list[tuple[str, int]]:
        """Return (person, score) for persons holding any of the terms, best first.

        A person's score is the sum, over the groups, of the highest weight of the group's
        terms that the person holds; ties are ordered by code.
        """
        ...

    def compartments(self) -> list[tuple[str, int]]:
        """Return every compartment with its current key version, by name."""
        ...

    def read_setting(self, key: str) -> str | None:
        """Return an instance setting (key material parameters, instance id)."""
        ...

    def write_setting(self, key: str, value: str) -> None:
        """Store an instance setting."""
        ...

    def delete_setting(self, key: str) -> None:
        """Remove an instance setting."""
        ...


class Keyring(Protocol):
    """Turns a passphrase and stored parameters into a cipher (a key derivation behind a port)."""

    def new_parameters(self) -> str:
        """Return fresh, serialised key-derivation parameters (with a new salt)."""
        ...

    def cipher_for(self, passphrase: str, parameters: str) -> Cipher:
        """Return the cipher whose key this passphrase derives under these parameters."""
        ...


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One stored audit entry: never a sealed value, only codes, actions and short details."""

    seq: int
    at: str
    actor: str
    action: str
    record: str | None
    details: dict[str, str]
    prev_hash: str
    hash: str
    signature: str


class AuditRows(Protocol):
    """Keeps audit entries, append-only."""

    def last_audit(self) -> AuditRow | None:
        """Return the newest entry, or None for an empty log."""
        ...

    def append_audit(self, row: AuditRow) -> None:
        """Add an entry at the end of the log."""
        ...

    def audit_rows(
        self,
        actor: str | None = None,
        record: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Iterator[AuditRow]:
        """Yield entries in log order, filtered by actor, record and time."""
        ...


class AuditWriter(Protocol):
    """Appends a signed entry to the audit log for something that just happened."""

    def write(
        self, action: str, record: str | None = None, details: dict[str, str] | None = None
    ) -> None:
        """Record an action; details must never hold a sealed value."""
        ...


@dataclass(slots=True)
class UserRow:
    """A user account as stored: hashes and wrapped keys only, never a passphrase."""

    name: str
    role: str
    password_hash: str
    kdf: str
    public_key: bytes
    wrapped_private_key: bytes
    created_at: str
    totp_sealed: bytes | None = None
    disabled: bool = False
    failed_count: int = 0
    locked_until: str | None = None


@dataclass(frozen=True, slots=True)
class KeyWrap:
    """A compartment data key of one version, sealed to one holder's public key."""

    compartment: str
    key_version: int
    holder: str
    wrapped: bytes

    @property
    def to_user(self) -> bool:
        """Whether the holder is a user; other holders (the recovery key) start with "@"."""
        return not self.holder.startswith("@")


class AccountStore(Protocol):
    """Keeps users, compartments, wrapped keys and sign-in events awaiting a signature."""

    def transaction(self) -> AbstractContextManager[None]:
        """Run the block atomically."""
        ...

    def get_user(self, name: str) -> UserRow | None: ...

    def save_user(self, user: UserRow) -> None:
        """Insert or replace a user account."""
        ...

    def users(self) -> list[UserRow]: ...

    def compartment_version(self, name: str) -> int | None:
        """Return a compartment's current key version, or None if there is no such compartment."""
        ...

    def save_compartment(self, name: str, key_version: int) -> None: ...

    def add_wrap(self, wrap: KeyWrap) -> None: ...

    def wraps_for(self, holder: str) -> list[KeyWrap]: ...

    def compartments(self) -> list[tuple[str, int]]:
        """Return every compartment with its current key version, by name."""
        ...

    def wraps_of(self, compartment: str) -> list[KeyWrap]:
        """Return every wrapped key of a compartment, all holders and versions."""
        ...

    def delete_wraps(
        self, compartment: str, holder: str | None = None, below: int | None = None
    ) -> int:
        """Delete wrapped keys of a compartment: of one holder, or older than a version."""
        ...

    def add_pending_event(self, at: str, actor: str, action: str) -> None:
        """Keep an event that cannot be signed yet (a failed sign-in)."""
        ...

    def take_pending_events(self) -> list[tuple[str, str, str]]:
        """Return and remove the events awaiting a signature, oldest first."""
        ...

    def read_setting(self, key: str) -> str | None:
        """Return an instance setting (the recovery public key, for instance)."""
        ...


class UserSecrets(Protocol):
    """A signed-in user's private key, in memory for the session only."""

    def unwrap(self, wrapped: bytes) -> bytes: ...

    def seal_own(self, secret: bytes) -> bytes: ...

    def open_own(self, sealed: bytes) -> bytes: ...


class UserKeys(Protocol):
    """Creates and unlocks user keys, hashes passphrases, wraps data keys, checks TOTP codes."""

    def create(self, passphrase: str) -> Any: ...

    def verify(self, password_hash: str | None, passphrase: str) -> bool: ...

    def unlock(
        self, wrapped_private_key: bytes | None, kdf: str | None, passphrase: str
    ) -> UserSecrets: ...

    def new_data_key(self) -> bytes: ...

    def wrap_for(self, public_key: bytes, data_key: bytes) -> bytes: ...

    def cipher(self, keys: dict[int, bytes], current: int) -> Cipher: ...

    def new_totp_secret(self) -> str: ...

    def totp_uri(self, secret: str, user: str) -> str: ...

    def totp_valid(self, secret: str, code: str) -> bool: ...
