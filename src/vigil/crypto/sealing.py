"""XChaCha20-Poly1305 sealing of field values, bound to table, column, record and key version."""

import struct

import nacl.exceptions
import nacl.utils
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
)

from vigil.services.ports import SealBroken, SealContext

FORMAT = 1
_HEADER = struct.Struct(">BI")
NONCE_BYTES: int = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES


def associated_data(context: SealContext, key_version: int) -> bytes:
    """Return the associated data: a ciphertext opens only where it was sealed."""
    parts = ("vigil", str(FORMAT), context.table, context.column, context.record, str(key_version))
    encoded = [part.encode("utf-8") for part in parts]
    return b"".join(struct.pack(">H", len(part)) + part for part in encoded)


class XChaChaCipher:
    """Seals with one 32-byte key; the ciphertext carries its format and key version."""

    def __init__(
        self, key: bytes, key_version: int = 1, older: dict[int, bytes] | None = None
    ) -> None:
        if len(key) != 32:
            raise ValueError("an XChaCha20-Poly1305 key is 32 bytes")
        self._key = key
        self._key_version = key_version
        self._keys = {**(older or {}), key_version: key}

    @property
    def key_version(self) -> int:
        return self._key_version

    def seal(self, plaintext: bytes, context: SealContext) -> bytes:
        nonce = nacl.utils.random(NONCE_BYTES)
        header = _HEADER.pack(FORMAT, self._key_version)
        aad = associated_data(context, self._key_version)
        body = crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, self._key)
        return bytes(header + nonce + body)

    def version_of(self, sealed: bytes) -> int:
        if len(sealed) < _HEADER.size:
            raise SealBroken("sealed value is truncated")
        version: int = _HEADER.unpack_from(sealed)[1]
        return version

    def open(self, sealed: bytes, context: SealContext) -> bytes:
        if len(sealed) < _HEADER.size + NONCE_BYTES + 16:
            raise SealBroken("sealed value is truncated")
        form, key_version = _HEADER.unpack_from(sealed)
        key = self._keys.get(key_version)
        if form != FORMAT or key is None:
            raise SealBroken(f"sealed value has format {form}, key version {key_version}")
        nonce = sealed[_HEADER.size : _HEADER.size + NONCE_BYTES]
        body = sealed[_HEADER.size + NONCE_BYTES :]
        try:
            plaintext: bytes = crypto_aead_xchacha20poly1305_ietf_decrypt(
                body, associated_data(context, key_version), nonce, key
            )
        except nacl.exceptions.CryptoError:
            raise SealBroken(
                f"sealed value of {context.table} {context.record} does not open with this key"
            ) from None
        return plaintext
