"""Users' key pairs and passwords: X25519 keys wrapped by a passphrase, Argon2id hashes, TOTP.

A user's private key is stored only encrypted (XSalsa20-Poly1305 secret box) under a key derived
from their passphrase with Argon2id and its own salt; data keys reach a user as sealed boxes to
their public key. The passphrase never leaves the user's process.
"""

import hmac
import secrets
from dataclasses import dataclass

import nacl.exceptions
import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

from vigil.crypto.kdf import KdfParameters, derive_key
from vigil.crypto.sealing import XChaChaCipher
from vigil.services.ports import MIN_PASSPHRASE, Cipher, WrongPassphrase

DATA_KEY_BYTES = 32
# The hash of a random secret that was thrown away, with the default parameters: verifying an
# unknown user against it costs what a known user costs, without hashing anything at start-up.
_DEFAULT_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=1$zv4/K8PLycKL5KAr0LXGEw$"
    "FSqxw8L4MawUyQpKsX6ygQgu/CqA8C/CrA8i8QX8asg"
)


@dataclass(frozen=True, slots=True)
class NewUserKey:
    """What is stored for a user: the password hash, the public key, the wrapped private key."""

    password_hash: str
    public_key: bytes
    wrapped_private_key: bytes
    kdf: str


class UnlockedUser:
    """A signed-in user's private key, held in memory for the session only."""

    def __init__(self, private_key: PrivateKey, kek: bytes) -> None:
        self._private_key = private_key
        self._kek = kek

    def unwrap(self, wrapped: bytes) -> bytes:
        """Open a data key sealed to this user's public key."""
        try:
            opened: bytes = SealedBox(self._private_key).decrypt(wrapped)
        except nacl.exceptions.CryptoError:
            raise WrongPassphrase("a key wrapped for this user does not open") from None
        return opened

    def seal_own(self, secret: bytes) -> bytes:
        """Encrypt a small secret (a TOTP seed) that only this user's passphrase opens."""
        return bytes(SecretBox(self._kek).encrypt(secret))

    def open_own(self, sealed: bytes) -> bytes:
        try:
            opened: bytes = SecretBox(self._kek).decrypt(sealed)
        except nacl.exceptions.CryptoError:
            raise WrongPassphrase("a secret of this user does not open") from None
        return opened

    @property
    def private_bytes(self) -> bytes:
        return bytes(self._private_key)

    @property
    def kek_bytes(self) -> bytes:
        """The passphrase-derived key, for a login agent that keeps it in memory only."""
        return self._kek

    @property
    def public_bytes(self) -> bytes:
        return bytes(self._private_key.public_key)


class UserKeyring:
    """Creates and unlocks user keys; verifies passwords in constant work for unknown users."""

    def __init__(self, template: KdfParameters | None = None) -> None:
        base = template or KdfParameters(salt=b"")
        self._template = base
        self._hasher = PasswordHasher(
            time_cost=base.time_cost, memory_cost=base.memory_kib, parallelism=base.parallelism
        )
        self._dummy_hash: str | None = None
        self._dummy_kdf = KdfParameters(
            secrets.token_bytes(16), base.time_cost, base.memory_kib, base.parallelism
        )
        self._last: tuple[KdfParameters, bytes, bytes] | None = None

    def _derive(self, passphrase: str, params: KdfParameters) -> bytes:
        """Derive a key-encryption key, reusing the last one for the same salt and passphrase.

        Opening the encrypted database and signing in unwrap the same private key under the
        same parameters; remembering the last derivation (in this process's memory only) keeps
        sign-in at one Argon2id derivation instead of two.
        """
        secret = passphrase.encode("utf-8")
        last = self._last
        if last is not None and last[0] == params and hmac.compare_digest(last[1], secret):
            return last[2]
        kek = derive_key(passphrase, params)
        self._last = (params, secret, kek)
        return kek

    def forget(self) -> None:
        """Drop the remembered derivation."""
        self._last = None

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            t = self._template
            default = (t.time_cost, t.memory_kib, t.parallelism) == (3, 65536, 1)
            self._dummy_hash = (
                _DEFAULT_DUMMY_HASH if default else self._hasher.hash(secrets.token_hex(16))
            )
        return self._dummy_hash

    def _fresh_kdf(self) -> KdfParameters:
        t = self._template
        return KdfParameters(secrets.token_bytes(16), t.time_cost, t.memory_kib, t.parallelism)

    def create(self, passphrase: str) -> NewUserKey:
        """Return a new key pair wrapped under the passphrase, and the passphrase's hash."""
        if len(passphrase) < MIN_PASSPHRASE:
            raise WrongPassphrase(f"a passphrase needs at least {MIN_PASSPHRASE} characters")
        kdf = self._fresh_kdf()
        private = PrivateKey.generate()
        wrapped = SecretBox(self._derive(passphrase, kdf)).encrypt(bytes(private))
        return NewUserKey(
            self._hasher.hash(passphrase), bytes(private.public_key), bytes(wrapped), kdf.to_json()
        )

    def verify(self, password_hash: str | None, passphrase: str) -> bool:
        """Tell whether the passphrase fits the hash; an unknown user (None) costs the same."""
        try:
            return self._hasher.verify(password_hash or self._dummy(), passphrase) and (
                password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    def unlock(
        self, wrapped_private_key: bytes | None, kdf: str | None, passphrase: str
    ) -> UnlockedUser:
        """Unwrap a user's private key; an unknown user (None) costs the same and fails."""
        params = self._dummy_kdf if kdf is None else KdfParameters.from_json(kdf)
        kek = (
            self._derive(passphrase, params) if kdf is not None else derive_key(passphrase, params)
        )
        if wrapped_private_key is None:
            raise WrongPassphrase("unknown user or wrong passphrase")
        try:
            private = PrivateKey(SecretBox(kek).decrypt(wrapped_private_key))
        except nacl.exceptions.CryptoError:
            raise WrongPassphrase("unknown user or wrong passphrase") from None
        return UnlockedUser(private, kek)

    @staticmethod
    def resume(private_key: bytes, kek: bytes) -> UnlockedUser:
        """Rebuild an unlocked user from keys a login agent held in memory."""
        try:
            return UnlockedUser(PrivateKey(private_key), kek)
        except (nacl.exceptions.CryptoError, TypeError, ValueError):
            raise WrongPassphrase("the login session's keys are malformed") from None

    @staticmethod
    def new_data_key() -> bytes:
        return secrets.token_bytes(DATA_KEY_BYTES)

    @staticmethod
    def wrap_for(public_key: bytes, data_key: bytes) -> bytes:
        """Seal a data key to a user's public key (only their private key opens it)."""
        return bytes(SealedBox(PublicKey(public_key)).encrypt(data_key))

    @staticmethod
    def cipher(keys: dict[int, bytes], current: int) -> Cipher:
        """Return a cipher sealing with the current key version, opening any version given."""
        return XChaChaCipher(keys[current], current, keys)

    @staticmethod
    def new_totp_secret() -> str:
        return pyotp.random_base32()

    @staticmethod
    def totp_uri(secret: str, user: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=user, issuer_name="Vigil")

    @staticmethod
    def totp_valid(secret: str, code: str) -> bool:
        """Check a six-digit code, allowing one step of clock drift either way."""
        return pyotp.TOTP(secret).verify(code.strip(), valid_window=1)
