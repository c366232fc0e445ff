"""Creating and unlocking an instance: the passphrase-derived key and its check value."""

import base64

from vigil.services.ports import (
    Cipher,
    Keyring,
    RecordStore,
    SealBroken,
    SealContext,
    WrongPassphrase,
)

KDF_SETTING = "kdf"
CHECK_SETTING = "key_check"
_CHECK = b"vigil: this passphrase unlocks this instance"
_CHECK_CONTEXT = SealContext(table="setting", column="value", record=CHECK_SETTING)


class AlreadyInitialised(Exception):
    """The instance already has a key; it is not created twice."""


class NotInitialised(Exception):
    """The instance has no key yet: run `vigil init`."""


def key_check(cipher: Cipher) -> str:
    """Return a sealed known value that tells a right passphrase from a wrong one."""
    return base64.b64encode(cipher.seal(_CHECK, _CHECK_CONTEXT)).decode()


def verify_key(cipher: Cipher, check: str) -> None:
    """Fail with WrongPassphrase unless the cipher opens the check value."""
    try:
        if cipher.open(base64.b64decode(check, validate=True), _CHECK_CONTEXT) != _CHECK:
            raise WrongPassphrase("wrong passphrase")
    except (SealBroken, ValueError):
        raise WrongPassphrase("wrong passphrase: nothing was changed") from None


def is_initialised(store: RecordStore) -> bool:
    return store.read_setting(KDF_SETTING) is not None


def initialise(store: RecordStore, keyring: Keyring, passphrase: str) -> Cipher:
    """Give a new instance its key parameters and check value; return the unlocked cipher."""
    if not passphrase:
        raise WrongPassphrase("the passphrase cannot be empty")
    with store.transaction():
        if is_initialised(store):
            raise AlreadyInitialised("this instance already exists; nothing was changed")
        parameters = keyring.new_parameters()
        cipher = keyring.cipher_for(passphrase, parameters)
        store.write_setting(KDF_SETTING, parameters)
        store.write_setting(CHECK_SETTING, key_check(cipher))
    return cipher


def unlock(store: RecordStore, keyring: Keyring, passphrase: str) -> Cipher:
    """Return the instance cipher for this passphrase, or fail with WrongPassphrase."""
    parameters = store.read_setting(KDF_SETTING)
    check = store.read_setting(CHECK_SETTING)
    if parameters is None or check is None:
        raise NotInitialised("this instance is not initialised: run `vigil init`")
    cipher = keyring.cipher_for(passphrase, parameters)
    verify_key(cipher, check)
    return cipher
