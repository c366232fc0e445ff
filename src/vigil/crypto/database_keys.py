"""The side file `vigil.keys`: what opens the encrypted embedded database, per user.

The database key has to be known before the database can be read, so it cannot live only
inside it. For each user the side file holds the same public values as their account row (public
key, passphrase-wrapped private key, Argon2id parameters) and the database key sealed to their
public key. Entries are found by a salted hash of the user name rather than the name itself.
Nothing in the file opens without a user's passphrase.
"""

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vigil.crypto.kdf import KdfParameters
from vigil.crypto.user_keys import UnlockedUser, UserKeyring

FORMAT = "vigil-keys"
VERSION = 1


class KeyFileBroken(Exception):
    """The side file is missing, unreadable or of an unknown format."""


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One user's way into the database file; every value here is public or sealed."""

    public_key: bytes
    wrapped_private_key: bytes
    kdf: str
    sealed_database_key: bytes


class DatabaseKeyFile:
    """Reads and atomically rewrites the side file next to the embedded database."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.exists()

    def _load(self) -> dict[str, Any]:
        try:
            content: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeyFileBroken(
                f"{self.path.name} is missing: the encrypted database cannot be opened without it"
            ) from None
        except (OSError, ValueError):
            raise KeyFileBroken(f"{self.path.name} is unreadable") from None
        if content.get("format") != FORMAT or content.get("version") != VERSION:
            raise KeyFileBroken(f"{self.path.name} has an unknown format")
        return content

    @staticmethod
    def _entry_id(salt: str, name: str) -> str:
        return hashlib.sha256(bytes.fromhex(salt) + name.encode("utf-8")).hexdigest()

    def entry(self, name: str) -> KeyEntry | None:
        """Return the user's entry, or None for a user the file does not know."""
        content = self._load()
        raw = content["users"].get(self._entry_id(content["salt"], name))
        if raw is None:
            return None
        return KeyEntry(
            public_key=bytes.fromhex(raw["public_key"]),
            wrapped_private_key=bytes.fromhex(raw["wrapped_private_key"]),
            kdf=json.dumps(raw["kdf"], sort_keys=True),
            sealed_database_key=bytes.fromhex(raw["database_key"]),
        )

    def add(
        self, database_key: bytes, users: list[tuple[str, bytes, bytes, str]], fresh: bool = False
    ) -> None:
        """Add or replace entries for (name, public key, wrapped private key, kdf) users.

        ``fresh`` starts a new file (a new database key): entries under an old key are dropped.
        """
        if fresh or not self.path.exists():
            content: dict[str, Any] = {
                "format": FORMAT,
                "version": VERSION,
                "cipher": "sqlcipher4, raw 256-bit key",
                "salt": secrets.token_hex(16),
                "users": {},
            }
        else:
            content = self._load()
        for name, public_key, wrapped_private_key, kdf in users:
            KdfParameters.from_json(kdf)
            content["users"][self._entry_id(content["salt"], name)] = {
                "public_key": public_key.hex(),
                "wrapped_private_key": wrapped_private_key.hex(),
                "kdf": json.loads(kdf),
                "database_key": UserKeyring.wrap_for(public_key, database_key).hex(),
            }
        self._write(json.dumps(content, indent=1, sort_keys=True) + "\n")

    def add_token(self, token_id: str, sealed_database_key: bytes) -> None:
        """Keep the database key sealed to an API token's secret, under the token's public id."""
        content = self._load()
        tokens = content.setdefault("tokens", {})
        tokens[self._entry_id(content["salt"], "token:" + token_id)] = sealed_database_key.hex()
        self._write(json.dumps(content, indent=1, sort_keys=True) + "\n")

    def token_entry(self, token_id: str) -> bytes | None:
        """Return the database key sealed to a token, or None (revoked or unknown)."""
        if not self.path.exists():
            return None
        content = self._load()
        raw = content.get("tokens", {}).get(self._entry_id(content["salt"], "token:" + token_id))
        return None if raw is None else bytes.fromhex(raw)

    def remove_token(self, token_id: str) -> None:
        """Forget a revoked token's entry; nothing happens for one the file does not know."""
        if not self.path.exists():
            return
        content = self._load()
        entry = self._entry_id(content["salt"], "token:" + token_id)
        if content.get("tokens", {}).pop(entry, None) is not None:
            self._write(json.dumps(content, indent=1, sort_keys=True) + "\n")

    def set_recovery(self, public_key: bytes, sealed_database_key: bytes) -> None:
        """Keep the database key sealed to the organisation's recovery key (trustees' shares)."""
        content = self._load()
        content["recovery"] = {
            "public_key": public_key.hex(),
            "database_key": sealed_database_key.hex(),
        }
        self._write(json.dumps(content, indent=1, sort_keys=True) + "\n")

    def recovery(self) -> tuple[bytes, bytes] | None:
        """Return (recovery public key, sealed database key), or None before any split."""
        if not self.path.exists():
            return None
        raw = self._load().get("recovery")
        if not isinstance(raw, dict):
            return None
        return bytes.fromhex(raw["public_key"]), bytes.fromhex(raw["database_key"])

    def _write(self, text: str) -> None:
        temporary = self.path.with_name(self.path.name + ".new")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(descriptor, 0o600)
            os.write(descriptor, text.encode("utf-8"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, self.path)
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def open_database_key(
    keys: UserKeyring, file: DatabaseKeyFile, name: str, passphrase: str
) -> tuple[bytes, UnlockedUser]:
    """Unwrap the user's private key from the side file and open the database key with it.

    An unknown user costs the same Argon2id work as a wrong passphrase and fails the same way
    (WrongPassphrase).
    """
    entry = file.entry(name)
    unlocked = keys.unlock(
        entry.wrapped_private_key if entry else None, entry.kdf if entry else None, passphrase
    )
    assert entry is not None  # noqa: S101 - unlock fails for an unknown user
    return unlocked.unwrap(entry.sealed_database_key), unlocked
