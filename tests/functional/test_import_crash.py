"""An import killed mid-way (SIGKILL) leaves the store exactly as it was."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import FAST_KDF, PASSPHRASE, instance_environment
from vigil.bootstrap import Settings, Vigil
from vigil.domain.codes import CROCKFORD

RECORDS = 60_000


def place_code(number: int) -> str:
    body = ""
    for _ in range(6):
        number, digit = divmod(number, 32)
        body += CROCKFORD[digit]
    return f"L-{body}"


def write_big_export(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"format": "vigil-export", "version": 1, "sealing": "plaintext"}))
        out.write("\n")
        for number in range(1, RECORDS + 1):
            code = place_code(number)
            data = {
                "code": code,
                "name": f"Village {number}",
                "kind": "village",
                "names": {},
                "parent": None,
                "lat": None,
                "lon": None,
            }
            out.write(
                json.dumps(
                    {
                        "code": code,
                        "kind": "place",
                        "version": 1,
                        "action": "create",
                        "recorded_at": "2020-01-01T00:00:00",
                        "data": data,
                    }
                )
                + "\n"
            )


def test_an_import_killed_mid_way_changes_nothing(settings: Settings, tmp_path: Path) -> None:
    vigil = Vigil.create(settings, PASSPHRASE, kdf=FAST_KDF)
    vigil.store.write_setting("marker", "before")
    before = vigil.store.count_by_kind()
    vigil.close()
    export = tmp_path / "big.jsonl"
    write_big_export(export)
    env = {**os.environ, **instance_environment(settings)}
    command = [
        sys.executable,
        "-c",
        "from vigil.cli.main import main; main()",
        "import",
        str(export),
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    log = settings.home / "vigil.log"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not log.exists():
        time.sleep(0.05)
    time.sleep(2.0)
    assert process.poll() is None, "the import finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    reopened = Vigil.open(settings)
    try:
        reopened.unlock(PASSPHRASE)
        assert reopened.store.count_by_kind() == before
        assert list(reopened.store.versions()) == []
        assert reopened.store.read_setting("marker") == "before"
    finally:
        reopened.close()
