"""Reading the audit log: for those whose role may (administrators and coordinators)."""

from collections.abc import Iterator

from vigil.services.ports import AuditRow, AuditRows
from vigil.services.workspace import Workspace


def audit_entries(
    ws: Workspace,
    rows: AuditRows,
    actor: str | None = None,
    record: str | None = None,
    since: str | None = None,
    until: str | None = None,
    action: str | None = None,
) -> Iterator[AuditRow]:
    """Yield audit entries in log order, filtered by user, record, time and action."""
    ws.require("audit.read")
    for row in rows.audit_rows(actor, record.upper() if record else None, since, until):
        if action is None or row.action == action:
            yield row
