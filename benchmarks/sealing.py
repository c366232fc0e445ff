"""Turning the generated plaintext-sealing file into the sealed form one instance exports.

The header gets the instance's KDF parameters and key check, and every ``sealed_plain`` value
is sealed with the instance cipher and the record's seal context, exactly as `vigil export`
writes them. Importing the result goes through the importer's sealed path (each value opened
and checked, then kept as it is).
"""

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vigil.bootstrap import Vigil
from vigil.domain.codes import RecordKind
from vigil.services.instance import CHECK_SETTING, KDF_SETTING
from vigil.services.stored import seal_context

_MARK = '"sealed_plain": '


def seal_file(vigil: Vigil, plain: Path, sealed: Path, advance: Callable[[int], None]) -> None:
    """Write `sealed`: the records of `plain`, with identities sealed for this instance."""
    cipher = vigil.workspace.require_cipher()
    store = vigil.store
    with plain.open(encoding="utf-8") as source, sealed.open("w", encoding="utf-8") as out:
        header: dict[str, Any] = json.loads(next(source))
        header.update(sealing="sealed", kdf=json.loads(store.read_setting(KDF_SETTING) or "{}"),
                      key_check=store.read_setting(CHECK_SETTING))
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        pending = 0
        for line in source:
            if _MARK in line:
                entry = json.loads(line)
                value = json.dumps(entry.pop("sealed_plain"), ensure_ascii=False, sort_keys=True)
                context = seal_context(RecordKind(entry["kind"]), entry["code"])
                entry["sealed"] = base64.b64encode(cipher.seal(value.encode(), context)).decode()
                line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
            out.write(line)
            pending += 1
            if pending == 5000:
                advance(pending)
                pending = 0
        advance(pending)
