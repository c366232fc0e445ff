"""Deriving a key from a passphrase with Argon2id."""

import json
import secrets
from dataclasses import asdict, dataclass

from argon2.low_level import Type, hash_secret_raw

KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class KdfParameters:
    """Argon2id settings and salt; stored beside the data, they are not secret.

    The defaults exceed OWASP's minimum (19 MiB, 2 passes, 1 lane).
    """

    salt: bytes
    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 1

    @classmethod
    def fresh(cls) -> "KdfParameters":
        return cls(salt=secrets.token_bytes(16))

    def to_json(self) -> str:
        values = asdict(self)
        values["salt"] = self.salt.hex()
        return json.dumps(values, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "KdfParameters":
        """Read parameters, refusing any outside sane bounds (an import file may carry them)."""
        values = json.loads(text)
        parameters = cls(
            salt=bytes.fromhex(values["salt"]),
            time_cost=int(values["time_cost"]),
            memory_kib=int(values["memory_kib"]),
            parallelism=int(values["parallelism"]),
        )
        if not (
            8 <= len(parameters.salt) <= 64
            and 1 <= parameters.time_cost <= 20
            and 8192 <= parameters.memory_kib <= 4 * 1024 * 1024
            and 1 <= parameters.parallelism <= 16
        ):
            raise ValueError("key-derivation parameters out of bounds")
        return parameters


def derive_key(passphrase: str, parameters: KdfParameters) -> bytes:
    """Return the 32-byte key that a passphrase yields under these parameters."""
    return hash_secret_raw(
        secret=passphrase.encode("utf-8"),
        salt=parameters.salt,
        time_cost=parameters.time_cost,
        memory_cost=parameters.memory_kib,
        parallelism=parameters.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )
