"""API token secrets: what the server keeps of them, and the keys a token carries.

A token is a public id and a secret of 32 random bytes, handed to its owner once. From the
secret two values are derived with keyed BLAKE2b under different personalisations: a lookup
hash, which is all the server stores of the secret, and a wrapping key, which seals the token's
key bundle (the compartment keys it may use) and, on the embedded database, the database file's
key in the side file. Without the secret neither opens; the hash does not give the wrapping key.

The secret is random and long, so a fast hash is enough: there is no passphrase to guess.
"""

import base64
import hmac
import json
import secrets

import nacl.exceptions
from nacl.encoding import RawEncoder
from nacl.hash import blake2b
from nacl.secret import SecretBox

PREFIX = "vgt"
SECRET_BYTES = 32
ID_BYTES = 8
_HASH_PERSON = b"vigil-tok-hash"
_WRAP_PERSON = b"vigil-tok-wrap"


class TokenMalformed(Exception):
    """The presented text is not an API token, or a bundle does not open with it."""


def _derive(secret: bytes, person: bytes) -> bytes:
    derived: bytes = blake2b(secret, digest_size=32, person=person, encoder=RawEncoder)
    return derived


class TokenKeyring:
    """Makes and parses tokens, hashes their secrets and seals what they may open."""

    @staticmethod
    def new() -> tuple[str, bytes, str]:
        """Return (public id, secret, the token text shown once to its owner)."""
        token_id = secrets.token_hex(ID_BYTES)
        secret = secrets.token_bytes(SECRET_BYTES)
        encoded = base64.urlsafe_b64encode(secret).decode().rstrip("=")
        return token_id, secret, f"{PREFIX}_{token_id}_{encoded}"

    @staticmethod
    def parse(text: str) -> tuple[str, bytes]:
        """Return (public id, secret) of a token's text, or raise TokenMalformed."""
        parts = text.strip().split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX or len(parts[1]) != 2 * ID_BYTES:
            raise TokenMalformed("not an API token")
        if not set(parts[1]) <= set("0123456789abcdef"):
            raise TokenMalformed("not an API token")
        try:
            secret = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
        except ValueError:
            raise TokenMalformed("not an API token") from None
        if len(secret) != SECRET_BYTES:
            raise TokenMalformed("not an API token")
        return parts[1], secret

    @staticmethod
    def lookup_hash(secret: bytes) -> str:
        """The value stored to recognise the secret; it opens nothing."""
        return _derive(secret, _HASH_PERSON).hex()

    @staticmethod
    def matches(secret: bytes, stored_hash: str) -> bool:
        return hmac.compare_digest(TokenKeyring.lookup_hash(secret), stored_hash)

    @staticmethod
    def seal(secret: bytes, payload: bytes) -> bytes:
        """Encrypt a payload (a key bundle, a database key) that only the secret opens."""
        return bytes(SecretBox(_derive(secret, _WRAP_PERSON)).encrypt(payload))

    @staticmethod
    def open(secret: bytes, sealed: bytes) -> bytes:
        try:
            opened: bytes = SecretBox(_derive(secret, _WRAP_PERSON)).decrypt(sealed)
        except nacl.exceptions.CryptoError:
            raise TokenMalformed("the token's keys do not open") from None
        return opened

    @staticmethod
    def seal_keys(secret: bytes, keys: dict[str, dict[int, bytes]]) -> bytes:
        """Seal a bundle of compartment keys (compartment -> version -> key) to the secret."""
        plain = {c: {str(v): k.hex() for v, k in versions.items()} for c, versions in keys.items()}
        return TokenKeyring.seal(secret, json.dumps(plain, sort_keys=True).encode())

    @staticmethod
    def open_keys(secret: bytes, sealed: bytes) -> dict[str, dict[int, bytes]]:
        raw = json.loads(TokenKeyring.open(secret, sealed))
        return {
            c: {int(v): bytes.fromhex(k) for v, k in versions.items()}
            for c, versions in raw.items()
        }
