"""Sealing field values with XChaCha20-Poly1305 under a key derived with Argon2id."""

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.crypto.kdf import KEY_BYTES, KdfParameters, derive_key
from vigil.crypto.keyring import PassphraseKeyring
from vigil.crypto.sealing import FORMAT, NONCE_BYTES, XChaChaCipher, associated_data
from vigil.services.ports import SealBroken, SealContext

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
CONTEXT = SealContext(table="people", column="identity", record="P-7KQ2XM")
HEADER = struct.Struct(">BI")
SALT = b"0123456789abcdef"
PASSPHRASE = "correct horse battery staple"


def _fast(salt: bytes = SALT) -> KdfParameters:
    return KdfParameters(salt=salt, time_cost=1, memory_kib=8192)


@settings(max_examples=100, deadline=None)
@given(plaintext=st.binary(max_size=2048))
def test_any_bytes_open_to_what_was_sealed(plaintext: bytes) -> None:
    cipher = XChaChaCipher(KEY)
    assert cipher.open(cipher.seal(plaintext, CONTEXT), CONTEXT) == plaintext


@settings(max_examples=100, deadline=None)
@given(
    plaintext=st.binary(max_size=256),
    table=st.text(max_size=20),
    column=st.text(max_size=20),
    record=st.text(max_size=20),
)
def test_any_context_opens_what_it_sealed(
    plaintext: bytes, table: str, column: str, record: str
) -> None:
    cipher = XChaChaCipher(KEY)
    context = SealContext(table, column, record)
    assert cipher.open(cipher.seal(plaintext, context), context) == plaintext


@pytest.mark.parametrize(
    "elsewhere",
    [
        SealContext(table="sources", column="identity", record="P-7KQ2XM"),
        SealContext(table="people", column="content", record="P-7KQ2XM"),
        SealContext(table="people", column="identity", record="P-3H4J5K"),
    ],
    ids=["other table", "other column", "other record"],
)
def test_ciphertext_moved_to_another_context_does_not_open(elsewhere: SealContext) -> None:
    cipher = XChaChaCipher(KEY)
    sealed = cipher.seal(b"Ivan Petrov", CONTEXT)
    with pytest.raises(SealBroken):
        cipher.open(sealed, elsewhere)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), plaintext=st.binary(max_size=64))
def test_ciphertext_with_any_flipped_bit_does_not_open(
    data: st.DataObject, plaintext: bytes
) -> None:
    cipher = XChaChaCipher(KEY)
    sealed = bytearray(cipher.seal(plaintext, CONTEXT))
    position = data.draw(st.integers(min_value=0, max_value=len(sealed) - 1), label="position")
    bit = data.draw(st.integers(min_value=0, max_value=7), label="bit")
    sealed[position] ^= 1 << bit
    with pytest.raises(SealBroken):
        cipher.open(bytes(sealed), CONTEXT)


@pytest.mark.parametrize("keep", [0, HEADER.size, HEADER.size + NONCE_BYTES + 15])
def test_truncated_ciphertext_does_not_open(keep: int) -> None:
    cipher = XChaChaCipher(KEY)
    sealed = cipher.seal(b"", CONTEXT)
    with pytest.raises(SealBroken, match="truncated"):
        cipher.open(sealed[:keep], CONTEXT)


def test_ciphertext_does_not_open_with_another_key() -> None:
    sealed = XChaChaCipher(KEY).seal(b"Ivan Petrov", CONTEXT)
    with pytest.raises(SealBroken, match="does not open with this key"):
        XChaChaCipher(OTHER_KEY).open(sealed, CONTEXT)


def test_ciphertext_carries_its_format_and_key_version() -> None:
    sealed = XChaChaCipher(KEY, key_version=7).seal(b"Ivan Petrov", CONTEXT)
    assert HEADER.unpack_from(sealed) == (FORMAT, 7)


def test_ciphertext_of_another_key_version_does_not_open() -> None:
    sealed = XChaChaCipher(KEY, key_version=1).seal(b"Ivan Petrov", CONTEXT)
    with pytest.raises(SealBroken, match="key version 1"):
        XChaChaCipher(KEY, key_version=2).open(sealed, CONTEXT)


def test_associated_data_names_the_context_and_key_version() -> None:
    aad = associated_data(CONTEXT, 3)
    parts, rest = [], aad
    while rest:
        size = int.from_bytes(rest[:2], "big")
        parts.append(rest[2 : 2 + size])
        rest = rest[2 + size :]
    assert parts == [b"vigil", b"1", b"people", b"identity", b"P-7KQ2XM", b"3"]


def test_associated_data_fields_cannot_slide_into_each_other() -> None:
    from vigil.services.ports import SealContext

    first = associated_data(SealContext("a\x1fb", "c", "r"), 1)
    second = associated_data(SealContext("a", "b\x1fc", "r"), 1)
    assert first != second


def test_plaintext_does_not_appear_in_the_ciphertext() -> None:
    plaintext = "Иван Петров, passport 4510 123456".encode()
    sealed = XChaChaCipher(KEY).seal(plaintext, CONTEXT)
    assert plaintext not in sealed
    assert b"Petrov" not in sealed
    assert b"4510" not in sealed


def test_same_plaintext_seals_differently_each_time() -> None:
    cipher = XChaChaCipher(KEY)
    assert cipher.seal(b"Ivan Petrov", CONTEXT) != cipher.seal(b"Ivan Petrov", CONTEXT)


def test_ciphertext_is_header_nonce_and_body_with_its_tag() -> None:
    sealed = XChaChaCipher(KEY).seal(b"12345", CONTEXT)
    assert len(sealed) == HEADER.size + NONCE_BYTES + 5 + 16


@pytest.mark.parametrize("size", [0, 16, 31, 33])
def test_key_of_the_wrong_size_is_refused(size: int) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        XChaChaCipher(bytes(size))


def test_derived_key_is_the_same_for_the_same_passphrase_and_salt() -> None:
    first = derive_key(PASSPHRASE, _fast())
    assert first == derive_key(PASSPHRASE, _fast())
    assert len(first) == KEY_BYTES


def test_derived_key_differs_for_another_salt() -> None:
    assert derive_key(PASSPHRASE, _fast()) != derive_key(PASSPHRASE, _fast(b"fedcba9876543210"))


def test_derived_key_differs_for_another_passphrase() -> None:
    assert derive_key(PASSPHRASE, _fast()) != derive_key(PASSPHRASE + "!", _fast())


def test_derived_key_does_not_contain_the_passphrase() -> None:
    assert b"horse" not in derive_key(PASSPHRASE, _fast())


def test_kdf_parameters_survive_a_round_trip_through_json() -> None:
    parameters = _fast()
    assert KdfParameters.from_json(parameters.to_json()) == parameters


def test_fresh_kdf_parameters_have_a_random_salt_and_strong_defaults() -> None:
    first, second = KdfParameters.fresh(), KdfParameters.fresh()
    assert len(first.salt) == 16
    assert first.salt != second.salt
    assert first.time_cost >= 2
    assert first.memory_kib >= 19 * 1024


def test_keyring_cipher_opens_what_a_cipher_from_the_same_passphrase_sealed() -> None:
    keyring = PassphraseKeyring(_fast())
    parameters = keyring.new_parameters()
    sealed = keyring.cipher_for(PASSPHRASE, parameters).seal(b"Ivan Petrov", CONTEXT)
    assert keyring.cipher_for(PASSPHRASE, parameters).open(sealed, CONTEXT) == b"Ivan Petrov"


def test_keyring_cipher_from_a_wrong_passphrase_does_not_open() -> None:
    keyring = PassphraseKeyring(_fast())
    parameters = keyring.new_parameters()
    sealed = keyring.cipher_for(PASSPHRASE, parameters).seal(b"Ivan Petrov", CONTEXT)
    with pytest.raises(SealBroken):
        keyring.cipher_for("wrong horse", parameters).open(sealed, CONTEXT)
