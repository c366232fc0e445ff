"""The demonstration data: public reporting on the Chechnya purges, loaded as ordinary records."""

import tomllib
from collections.abc import Callable
from importlib import resources
from typing import Any

from vigil.domain.codes import RecordKind, new_code
from vigil.domain.records import Record
from vigil.services.codec import from_dict
from vigil.services.recording import prepare, source_kind_of
from vigil.services.stored import sealed_keys, to_stored
from vigil.services.workspace import DEFAULT_COMPARTMENT, Workspace

ORDER = (
    ("place", RecordKind.PLACE),
    ("organisation", RecordKind.ORGANISATION),
    ("person", RecordKind.PERSON),
    ("source", RecordKind.SOURCE),
    ("incident", RecordKind.INCIDENT),
    ("act", RecordKind.ACT),
    ("claim", RecordKind.CLAIM),
)
_REFERENCE_FIELDS = (
    "parent",
    "publisher",
    "part_of",
    "incident",
    "victim_person",
    "place",
    "source",
    "superseded_by",
    "person",
    "organisation",
)


def read_demo() -> dict[str, Any]:
    """Return the packaged demonstration data set."""
    text = (resources.files("vigil") / "demo" / "chechnya.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _resolve(value: Any, codes: dict[str, str], key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _resolve(v, codes, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, codes, key) for v in value]
    if key in (*_REFERENCE_FIELDS, "places", "supports") and isinstance(value, str):
        return codes[value]
    return value


def _count(raw: dict[str, Any], single: str = "value") -> dict[str, Any]:
    if single in raw:
        return {"qualifier": raw.get("qualifier", "exact"), "low": raw[single], "high": raw[single]}
    return {"qualifier": raw.get("qualifier", "range"), "low": raw["low"], "high": raw["high"]}


def _shape(section: str, raw: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in raw.items() if k != "key"}
    if section == "claim" and "count" in data:
        count = dict(data["count"])
        data["superseded_by"] = count.pop("superseded_by", data.get("superseded_by"))
        count["value"] = _count(count)
        data["count"] = {k: v for k, v in count.items() if k not in ("low", "high", "qualifier")}
    if section == "act" and "victim_group" in data:
        group = dict(data["victim_group"])
        data["victim_group"] = {
            "count": _count(group, "count"),
            "description": group.get("description"),
        }
    return data


def load_demo(ws: Workspace, progress: Callable[[int], None] | None = None) -> dict[str, str]:
    """Load the demonstration data in one transaction; return the code given to each key."""
    demo = read_demo()
    codes = {
        entry["key"]: new_code(kind) for section, kind in ORDER for entry in demo.get(section, [])
    }
    pending = set(codes.values())
    ws.require("import")
    cipher = ws.cipher_for(DEFAULT_COMPARTMENT)
    with ws.store.transaction():
        for section, kind in ORDER:
            for raw in demo.get(section, []):
                data = _resolve(_shape(section, raw), codes) | {"code": codes[raw["key"]]}
                record: Record = prepare(ws, from_dict(kind, data), pending)
                secret = sealed_keys(ws.vocabularies, record, source_kind_of(ws, record))
                ws.store.add([to_stored(record, 1, secret, cipher)], ws.timestamp())
                if progress:
                    progress(1)
        ws.record_event(
            "import", None, {"source": "demonstration data", "records": str(len(codes))}
        )
    return codes


def demo_size() -> int:
    """Return how many records the demonstration data holds."""
    demo = read_demo()
    return sum(len(demo.get(section, [])) for section, _ in ORDER)
