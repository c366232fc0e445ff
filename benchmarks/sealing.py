"""Turning the generated plaintext-sealing file into a sealed one, as `vigil export` writes it.

A sealed export is sealed under a passphrase of its own: the header carries fresh key
parameters and a key check, and every ``sealed_plain`` value becomes ``sealed``, encrypted with
the file key and bound to its record. Importing it makes the importer open every value with the
file key and seal it again with the instance key.
"""

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.targets import BENCH_KDF
from vigil.crypto.keyring import PassphraseKeyring
from vigil.domain.codes import RecordKind
from vigil.services.instance import key_check
from vigil.services.stored import seal_context

FILE_WORDS = "benchmark export file, not a secret"
_MARK = '"sealed_plain": '


def seal_file(plain: Path, sealed: Path, advance: Callable[[int], None]) -> None:
    """Write `sealed`: the records of `plain`, sealed under the passphrase FILE_WORDS."""
    keyring = PassphraseKeyring(BENCH_KDF)
    parameters = keyring.new_parameters()
    cipher = keyring.cipher_for(FILE_WORDS, parameters)
    with plain.open(encoding="utf-8") as source, sealed.open("w", encoding="utf-8") as out:
        header: dict[str, Any] = json.loads(next(source))
        header.update(sealing="sealed", kdf=json.loads(parameters), key_check=key_check(cipher))
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
