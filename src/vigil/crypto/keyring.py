"""A keyring that derives the instance cipher from a passphrase (Argon2id, XChaCha20-Poly1305)."""

from vigil.crypto.kdf import KdfParameters, derive_key
from vigil.crypto.sealing import XChaChaCipher


class PassphraseKeyring:
    """Derives sealing keys from passphrases; the key exists only in this process's memory."""

    def __init__(self, parameters: KdfParameters | None = None) -> None:
        self._template = parameters

    def new_parameters(self) -> str:
        fresh = KdfParameters.fresh()
        if self._template is not None:
            fresh = KdfParameters(
                fresh.salt,
                self._template.time_cost,
                self._template.memory_kib,
                self._template.parallelism,
            )
        return fresh.to_json()

    def cipher_for(self, passphrase: str, parameters: str) -> XChaChaCipher:
        return XChaChaCipher(derive_key(passphrase, KdfParameters.from_json(parameters)))
