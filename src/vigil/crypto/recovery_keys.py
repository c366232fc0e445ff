"""The recovery key pair (X25519, like a user's) and its k-of-n shares, for the recovery service."""

from collections.abc import Sequence

import nacl.exceptions
from nacl.public import PrivateKey, SealedBox

from vigil.crypto.recovery import (
    RecoveryError,
    combine_shares,
    secret_fingerprint,
    split_secret,
)
from vigil.services.recovery import RecoveryFailed


class ShamirRecoveryKeys:
    """Creates the recovery key pair, opens keys wrapped to it, splits and combines its shares."""

    @staticmethod
    def new_key_pair() -> tuple[bytes, bytes]:
        private = PrivateKey.generate()
        return bytes(private), bytes(private.public_key)

    @staticmethod
    def public_key(private_key: bytes) -> bytes:
        return bytes(PrivateKey(private_key).public_key)

    @staticmethod
    def unwrap(private_key: bytes, wrapped: bytes) -> bytes:
        try:
            opened: bytes = SealedBox(PrivateKey(private_key)).decrypt(wrapped)
        except nacl.exceptions.CryptoError:
            raise RecoveryFailed(
                "a recovery wrap does not open with these shares; nothing was changed"
            ) from None
        return opened

    @staticmethod
    def split(secret: bytes, threshold: int, shares: int) -> list[str]:
        return split_secret(secret, threshold, shares)

    @staticmethod
    def combine(shares: Sequence[str]) -> bytes:
        try:
            return combine_shares(list(shares))
        except RecoveryError as error:
            raise RecoveryFailed(f"{error}; nothing was changed") from None

    @staticmethod
    def fingerprint(secret: bytes) -> str:
        return secret_fingerprint(secret)
