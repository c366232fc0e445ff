"""Where a record is named: the acts a person suffered or did, the claims drawn from a source,
the incidents at a place. Only records the reader may read; sealed parts stay sealed."""

from dataclasses import dataclass

from vigil.domain.codes import RecordKind, kind_of
from vigil.services.recording import current
from vigil.services.stored import RecordView, to_view
from vigil.services.workspace import Workspace

MENTIONS_SHOWN = 100
# the order of kinds in the list: what happened first, then what was said about it
_ORDER = [
    RecordKind.INCIDENT,
    RecordKind.ACT,
    RecordKind.CLAIM,
    RecordKind.SOURCE,
    RecordKind.PERSON,
    RecordKind.ORGANISATION,
    RecordKind.PLACE,
]


@dataclass(frozen=True, slots=True)
class Mentions:
    """Up to ``limit`` readable records naming a code; ``more`` when others follow."""

    views: list[RecordView]
    more: bool


def mentions(ws: Workspace, code: str, limit: int = MENTIONS_SHOWN) -> Mentions:
    """The current records that name a record, the reader's compartments only."""
    ws.require("record.read")
    target = current(ws, code)
    views: list[RecordView] = []
    naming = sorted(ws.store.referring(target.code), key=lambda c: (_ORDER.index(kind_of(c)), c))
    for other in naming:
        stored = ws.store.get(other)
        if stored is None or not ws.can_read(stored.compartment):
            continue
        if len(views) == limit:
            return Mentions(views, True)
        views.append(to_view(stored, None))
    return Mentions(views, False)
