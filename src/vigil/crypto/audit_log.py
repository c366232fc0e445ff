"""The audit log on a store: signed entries appended in the same transaction as the change."""

import base64
from collections.abc import Callable, Iterable
from datetime import datetime

from vigil.crypto.audit_chain import (
    AuditEntry,
    AuditHead,
    AuditProblem,
    AuditSigner,
    head_of,
    verify_chain,
)
from vigil.services.ports import AuditRow, AuditRows, Cipher, RecordStore, SealContext

SIGNING_KEY_SETTING = "audit_signing_key"
VERIFY_KEY_SETTING = "audit_verify_key"
_CONTEXT = SealContext(table="setting", column="value", record=SIGNING_KEY_SETTING)


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        row.seq,
        row.at,
        row.actor,
        row.action,
        row.record,
        dict(row.details),
        row.prev_hash,
        row.hash,
        row.signature,
    )


def _row(entry: AuditEntry) -> AuditRow:
    return AuditRow(
        entry.seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.record,
        dict(entry.details),
        entry.prev_hash,
        entry.hash,
        entry.signature,
    )


def reseal_signer(store: RecordStore, old: Cipher, new: Cipher) -> None:
    """Move the sealed signing key from one compartment's key to another's."""
    sealed = store.read_setting(SIGNING_KEY_SETTING)
    if sealed is None:
        return
    seed = old.open(base64.b64decode(sealed), _CONTEXT)
    store.write_setting(SIGNING_KEY_SETTING, base64.b64encode(new.seal(seed, _CONTEXT)).decode())


def open_signer(store: RecordStore, cipher: Cipher) -> AuditSigner:
    """Return the instance's audit signing key, creating it (sealed) on first use."""
    sealed = store.read_setting(SIGNING_KEY_SETTING)
    if sealed is not None:
        return AuditSigner.from_seed(cipher.open(base64.b64decode(sealed), _CONTEXT))
    signer = AuditSigner.generate()
    with store.transaction():
        store.write_setting(
            SIGNING_KEY_SETTING, base64.b64encode(cipher.seal(signer.seed, _CONTEXT)).decode()
        )
        store.write_setting(VERIFY_KEY_SETTING, signer.verify_key_hex)
    return signer


class SignedAuditLog:
    """Appends entries chained to the newest one and signed with the instance audit key."""

    def __init__(
        self, rows: AuditRows, signer: AuditSigner, actor: str, clock: Callable[[], datetime]
    ) -> None:
        self._rows = rows
        self._signer = signer
        self._actor = actor
        self._clock = clock

    def write(
        self, action: str, record: str | None = None, details: dict[str, str] | None = None
    ) -> None:
        last = self._rows.last_audit()
        entry = self._signer.append(
            None if last is None else _entry(last),
            at=self._clock().isoformat(timespec="microseconds"),
            actor=self._actor,
            action=action,
            record=record,
            details=details or {},
        )
        self._rows.append_audit(_row(entry))


def verify_log(
    rows: Iterable[AuditRow], verify_key_hex: str, published: str | None = None
) -> list[AuditProblem]:
    """Check the whole log against the instance key and, if given, a head published earlier."""
    head = AuditHead.decode(published) if published else None
    return verify_chain((_entry(row) for row in rows), verify_key_hex, head)


def current_head(rows: AuditRows) -> str | None:
    """Return the printable head of the log, to publish where the server cannot change it."""
    last = rows.last_audit()
    return None if last is None else head_of(_entry(last)).encode()
