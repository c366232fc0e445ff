"""A record's history as readers see it: each version with what changed in its public fields.

A sealed section is never opened here: a version only says whether its sealed section appeared,
was rewritten or went away, which is all one can tell from ciphertexts.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vigil.domain.codes import normalise_code
from vigil.services.auditing import audit_entries
from vigil.services.permissions import allows
from vigil.services.ports import AuditRows
from vigil.services.querying import history
from vigil.services.workspace import NotFound, Workspace

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One public field that differs from the version before: its dotted path and values."""

    field: str
    change: str  # "added", "removed" or "changed"
    before: Any = None
    after: Any = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One version: when, by whom (if the reader may read the audit log), and what changed."""

    version: int
    action: str  # "create", "update" or "delete"
    recorded_at: str
    note: str | None
    who: str | None
    changes: list[FieldChange] = field(default_factory=list)
    sealed: bool = False  # whether this version has a sealed section
    sealed_change: str | None = None  # "added", "removed", "changed" (rewritten) or None


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Return nested dictionaries as one level of dotted paths; lists stay whole values."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    """Return the public fields added, removed or changed from one version to the next."""
    old, new = flatten(before), flatten(after)
    old.pop("code", None)
    new.pop("code", None)
    changes = []
    for path in sorted(old.keys() | new.keys()):
        a, b = old.get(path), new.get(path)
        if a == b or (_empty(a) and _empty(b)):
            continue
        if _empty(a):
            changes.append(FieldChange(path, ADDED, None, b))
        elif _empty(b):
            changes.append(FieldChange(path, REMOVED, a, None))
        else:
            changes.append(FieldChange(path, CHANGED, a, b))
    return changes


def _authors(ws: Workspace, rows: AuditRows | None, code: str) -> dict[int, str]:
    """Who wrote each version, from the audit log, for readers whose role may read it."""
    if rows is None or ws.actor is None or not allows(ws.actor.role, "audit.read"):
        return {}
    authors: dict[int, str] = {}
    deleted_by: str | None = None
    for row in audit_entries(ws, rows, record=code):
        if row.action == "create":
            authors[1] = row.actor
        elif row.action == "update" and row.details.get("version", "").isdigit():
            authors[int(row.details["version"])] = row.actor
        elif row.action == "delete":
            deleted_by = row.actor
    if deleted_by is not None:
        authors[-1] = deleted_by
    return authors


def record_history(ws: Workspace, code: str, rows: AuditRows | None = None) -> list[HistoryEntry]:
    """Return every version of a record, oldest first, each with its field-level difference from
    the version before; NotFound outside the reader's compartments, like an unknown code."""
    versions = history(ws, code)
    if not versions:
        raise NotFound(f"no record {normalise_code(code)}")
    authors = _authors(ws, rows, versions[-1].code)
    entries = []
    previous_data: Mapping[str, Any] = {}
    previous_sealed: bytes | None = None
    for version in versions:
        deleted = version.action == "delete"
        who = authors.get(-1 if deleted else version.version)
        changes = [] if deleted else field_changes(previous_data, version.data)
        sealed_change = None
        if not deleted:
            if previous_sealed is None and version.sealed is not None:
                sealed_change = ADDED
            elif previous_sealed is not None and version.sealed is None:
                sealed_change = REMOVED
            elif previous_sealed != version.sealed:
                sealed_change = CHANGED
        entries.append(
            HistoryEntry(
                version=version.version,
                action=version.action,
                recorded_at=version.recorded_at,
                note=version.note,
                who=who,
                changes=changes,
                sealed=version.sealed is not None,
                sealed_change=sealed_change,
            )
        )
        if not deleted:
            previous_data, previous_sealed = version.data, version.sealed
    return entries
