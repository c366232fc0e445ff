"""The pure core of the append-only audit log: entries hash-chained and signed with Ed25519.

Each entry carries the SHA-256 of its own content (every field but `hash` and `signature`, as
canonical JSON), the hash of the entry before it, and an Ed25519 signature of its hash bytes by
the instance key. Editing, deleting, inserting or reordering entries without that key breaks a
hash, a signature or a link, and `verify_chain` names where. Deleting the newest entries leaves
a shorter chain that is still whole; only a head published earlier (`head_of`, `AuditHead.encode`,
kept off the server) shows that the tail is gone. Whoever holds the signing key can rewrite the
whole log; a published head still exposes any rewrite of the entries it covers.
"""

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Self

import nacl.exceptions
import nacl.signing

GENESIS_HASH = "0" * 64
HEAD_PREFIX = "vigil-audit-head"
SEED_BYTES = 32

_HASH = re.compile(r"[0-9a-f]{64}")
_SIGNATURE = re.compile(r"[0-9a-f]{128}")
_SEQ = re.compile(r"[1-9][0-9]{0,17}")


@dataclass(frozen=True)
class AuditEntry:
    """One signed, chained event of the audit log.

    `details` holds a few short, non-sensitive strings (a field name, a count, a format); it is
    never sealed, so a sealed value, a name or a passphrase must never be put in it: whoever
    reads or verifies the log reads the details.
    """

    seq: int
    at: str
    actor: str
    action: str
    record: str | None
    details: dict[str, str]
    prev_hash: str
    hash: str
    signature: str


@dataclass(frozen=True)
class AuditHead:
    """The sequence number, hash and signature of the newest entry, to publish off the server."""

    seq: int
    hash: str
    signature: str

    def __post_init__(self) -> None:
        if self.seq < 1:
            raise ValueError("an audit head's seq is a whole number from 1")
        if not _HASH.fullmatch(self.hash):
            raise ValueError("an audit head's hash is 64 lowercase hex characters")
        if not _SIGNATURE.fullmatch(self.signature):
            raise ValueError("an audit head's signature is 128 lowercase hex characters")

    def encode(self) -> str:
        """Return the head as one printable line, to copy into a place the server cannot alter."""
        return f"{HEAD_PREFIX}:{self.seq}:{self.hash}:{self.signature}"

    @classmethod
    def decode(cls, text: str) -> Self:
        """Parse a line made by `encode`; raise ValueError saying what is wrong with junk."""
        parts = text.strip().split(":")
        if len(parts) != 4 or parts[0] != HEAD_PREFIX:
            raise ValueError(f"not an audit head: expected {HEAD_PREFIX}:<seq>:<hash>:<signature>")
        if not _SEQ.fullmatch(parts[1]):
            raise ValueError("an audit head's seq is a whole number from 1")
        return cls(int(parts[1]), parts[2], parts[3])


@dataclass(frozen=True)
class AuditProblem:
    """A place where the chain is broken.

    `position` is the 1-based place in the order the entries were given; 0 means the published
    head itself, and one past the last entry means entries missing at the end. `seq` is the seq
    of the entry concerned (the head's for a head problem), None for a missing tail. `kind` is
    one of: hash-mismatch (edited), bad-signature (edited or forged without the key), gap
    (deleted or moved), duplicate (inserted), out-of-order (reordered), broken-link (prev_hash is
    not its predecessor's hash), bad-seq, head-signature, head-mismatch, truncated.
    """

    position: int
    seq: int | None
    kind: str
    message: str


def canonical(
    *,
    seq: int,
    at: str,
    actor: str,
    action: str,
    record: str | None,
    details: Mapping[str, str],
    prev_hash: str,
) -> bytes:
    """Return the canonical JSON of an entry's content (sorted keys, no spaces, UTF-8).

    This is exactly what the entry hash covers; any other verifier must reproduce it byte for
    byte.
    """
    content = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "record": record,
        "details": dict(details),
        "prev_hash": prev_hash,
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def content_hash(entry: AuditEntry) -> str:
    """Return the hex SHA-256 the entry's content should have, whatever its `hash` field says."""
    return _sha256_hex(
        canonical(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            record=entry.record,
            details=entry.details,
            prev_hash=entry.prev_hash,
        )
    )


def head_of(entry: AuditEntry) -> AuditHead:
    """Return the head naming this entry; published, it later proves no entry up to it was cut."""
    return AuditHead(entry.seq, entry.hash, entry.signature)


class AuditSigner:
    """Appends entries to the chain, signing them with the instance's Ed25519 key."""

    def __init__(self, signing_key: nacl.signing.SigningKey) -> None:
        self._key = signing_key

    @classmethod
    def generate(cls) -> Self:
        """Return a signer with a fresh random key; store its `seed` wrapped or lose the key."""
        return cls(nacl.signing.SigningKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> Self:
        """Return the signer whose key is derived from this 32-byte secret seed."""
        if len(seed) != SEED_BYTES:
            raise ValueError(f"an audit signing seed is {SEED_BYTES} bytes")
        return cls(nacl.signing.SigningKey(seed))

    @property
    def seed(self) -> bytes:
        """Return the secret seed: whoever holds it can rewrite the log, so keep it wrapped."""
        return bytes(self._key.encode())

    @property
    def verify_key_hex(self) -> str:
        """Return the public verify key as hex, which is all `verify_chain` needs."""
        return bytes(self._key.verify_key.encode()).hex()

    def append(
        self,
        previous: AuditEntry | None,
        *,
        at: str,
        actor: str,
        action: str,
        record: str | None = None,
        details: Mapping[str, str] | None = None,
    ) -> AuditEntry:
        """Return the entry that follows `previous` (or the first entry), hashed and signed.

        `details` is copied into the entry and never sealed: put no secret in it.
        """
        copied = _checked_details(details or {})
        seq = 1 if previous is None else previous.seq + 1
        prev_hash = GENESIS_HASH if previous is None else previous.hash
        content = canonical(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            record=record,
            details=copied,
            prev_hash=prev_hash,
        )
        digest = hashlib.sha256(content).digest()
        signature = bytes(self._key.sign(digest).signature)
        return AuditEntry(
            seq, at, actor, action, record, copied, prev_hash, digest.hex(), signature.hex()
        )


def verify_chain(
    entries: Iterable[AuditEntry], verify_key_hex: str, published: AuditHead | None = None
) -> list[AuditProblem]:
    """Check every hash, signature and link, and the tail against `published`; [] means intact.

    One pass over `entries` in the given order, keeping only the previous entry. Without a
    published head a cut-off tail cannot be told from a shorter log.
    """
    key = _verify_key(verify_key_hex)
    problems: list[AuditProblem] = []
    if published is not None and not _signed(key, published.hash, published.signature):
        message = f"the published head at seq {published.seq} is not signed by this key"
        problems.append(AuditProblem(0, published.seq, "head-signature", message))
    previous = (0, GENESIS_HASH)
    count = 0
    head_seen = False
    for count, entry in enumerate(entries, start=1):
        problems.extend(_entry_problems(count, entry, previous, key, published))
        head_seen = head_seen or (published is not None and entry.seq == published.seq)
        previous = (entry.seq, entry.hash)
    if published is not None and not head_seen and previous[0] < published.seq:
        problems.append(_truncated(count + 1, previous[0], published.seq))
    return problems


def _entry_problems(
    position: int,
    entry: AuditEntry,
    previous: tuple[int, str],
    key: nacl.signing.VerifyKey,
    published: AuditHead | None,
) -> list[AuditProblem]:
    found = [_content_problem(position, entry, key), _link_problem(position, entry, previous)]
    if published is not None and entry.seq == published.seq and entry.hash != published.hash:
        message = (
            f"entry {entry.seq} is not the one the published head names: the log was rewritten"
        )
        found.append(AuditProblem(position, entry.seq, "head-mismatch", message))
    return [problem for problem in found if problem is not None]


def _content_problem(
    position: int, entry: AuditEntry, key: nacl.signing.VerifyKey
) -> AuditProblem | None:
    try:
        expected: str | None = content_hash(entry)
    except (TypeError, ValueError):  # a mangled entry from storage is a finding, not a crash
        expected = None
    if expected != entry.hash:
        message = f"entry {entry.seq} was edited: its content does not match its hash"
        return AuditProblem(position, entry.seq, "hash-mismatch", message)
    if not _signed(key, entry.hash, entry.signature):
        message = f"entry {entry.seq} is not signed by this key: edited or forged"
        return AuditProblem(position, entry.seq, "bad-signature", message)
    return None


def _link_problem(
    position: int, entry: AuditEntry, previous: tuple[int, str]
) -> AuditProblem | None:
    prev_seq, prev_hash = previous
    if entry.seq < 1:
        kind, message = "bad-seq", f"seq {entry.seq} is not a whole number from 1"
    elif entry.seq == prev_seq:
        kind, message = (
            "duplicate",
            f"seq {entry.seq} appears twice in a row: an entry was inserted",
        )
    elif entry.seq < prev_seq:
        kind, message = "out-of-order", f"seq {entry.seq} comes after {prev_seq}: entries reordered"
    elif entry.seq > prev_seq + 1:
        kind, message = "gap", _gap_message(prev_seq, entry.seq)
    elif entry.prev_hash != prev_hash:
        kind = "broken-link"
        message = f"entry {entry.seq} does not chain to the entry before it: one was replaced"
    else:
        return None
    return AuditProblem(position, entry.seq, kind, message)


def _gap_message(prev_seq: int, seq: int) -> str:
    missing = (
        f"entry {prev_seq + 1}" if seq == prev_seq + 2 else f"entries {prev_seq + 1} to {seq - 1}"
    )
    return f"seq jumps from {prev_seq} to {seq}: {missing} deleted or moved"


def _truncated(position: int, last_seq: int, head_seq: int) -> AuditProblem:
    ends = f"ends at seq {last_seq}" if last_seq else "is empty"
    message = (
        f"the log {ends} but a head was published at seq {head_seq}: "
        f"entries {last_seq + 1} to {head_seq} were cut off"
    )
    return AuditProblem(position, None, "truncated", message)


def _verify_key(verify_key_hex: str) -> nacl.signing.VerifyKey:
    if not _HASH.fullmatch(verify_key_hex):
        raise ValueError("an audit verify key is 64 lowercase hex characters")
    return nacl.signing.VerifyKey(bytes.fromhex(verify_key_hex))


def _signed(key: nacl.signing.VerifyKey, hash_hex: str, signature_hex: str) -> bool:
    try:
        key.verify(bytes.fromhex(hash_hex), bytes.fromhex(signature_hex))
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        return False
    return True


def _checked_details(details: Mapping[str, str]) -> dict[str, str]:
    copied = dict(details)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in copied.items()):
        raise TypeError("audit details map strings to strings")
    return copied


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
