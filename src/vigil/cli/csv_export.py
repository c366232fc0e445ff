"""CSV files per kind of record, for spreadsheets; sealed sections are never written."""

import csv
import json
from pathlib import Path

from vigil.domain.codes import RecordKind
from vigil.services.querying import ListFilters, list_records
from vigil.services.recording import full_dict
from vigil.services.workspace import Workspace

SEALED = ("identity", "content", "excerpt")
_PAGE = 5000


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def write_csv(ws: Workspace, folder: Path) -> list[str]:
    """Write one CSV file per kind of record into folder; return the file names."""
    ws.require("export.tables")
    ws.record_event("export", None, {"format": "csv", "sealing": "sealed sections left out"})
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in RecordKind:
        name = f"{kind.value}.csv"
        with (folder / name).open("w", encoding="utf-8", newline="") as out:
            writer: csv.DictWriter[str] | None = None
            offset = 0
            while views := list_records(ws, kind, ListFilters(limit=_PAGE, offset=offset)):
                for view in views:
                    row = {
                        k: _cell(v)
                        for k, v in full_dict(view.record).items()
                        if not (view.sealed != "none" and k in SEALED)
                    }
                    if writer is None:
                        writer = csv.DictWriter(out, fieldnames=list(row))
                        writer.writeheader()
                    writer.writerow(row)
                offset += len(views)
        written.append(name)
    return written
