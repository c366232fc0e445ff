"""API token secrets: their text, their hash and the key bundle only the secret opens."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.crypto.token_keys import SECRET_BYTES, TokenKeyring, TokenMalformed


def test_a_new_token_parses_back_to_its_id_and_secret() -> None:
    token_id, secret, text = TokenKeyring.new()
    assert text.startswith(f"vgt_{token_id}_") and len(secret) == SECRET_BYTES
    assert TokenKeyring.parse(text) == (token_id, secret)
    assert TokenKeyring.parse(f"  {text}\n") == (token_id, secret)
    assert TokenKeyring.new()[2] != text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "vgt",
        "vgt_",
        "abc_0123456789abcdef_x",
        "vgt_0123_AAAA",
        "vgt_0123456789abcdeg_AAAA",
        "vgt_٠١٢٣٤٥٦٧٨٩abcdef_" + "A" * 43,
        "vgt_0123456789ABCDEF_" + "A" * 43,
    ],
)
def test_text_that_is_not_a_token_is_refused(text: str) -> None:
    with pytest.raises(TokenMalformed):
        TokenKeyring.parse(text)


@given(st.text(max_size=120))
def test_parsing_any_text_either_works_or_says_malformed(text: str) -> None:
    try:
        token_id, secret = TokenKeyring.parse(text)
    except TokenMalformed:
        return
    assert len(token_id) == 16 and len(secret) == SECRET_BYTES


def test_the_stored_hash_recognises_the_secret_and_opens_nothing() -> None:
    _, secret, _ = TokenKeyring.new()
    _, other, _ = TokenKeyring.new()
    stored = TokenKeyring.lookup_hash(secret)
    assert TokenKeyring.matches(secret, stored) and not TokenKeyring.matches(other, stored)
    assert secret.hex() not in stored
    sealed = TokenKeyring.seal(secret, b"database key")
    with pytest.raises(TokenMalformed):
        TokenKeyring.open(bytes.fromhex(stored), sealed)


def test_a_key_bundle_opens_with_its_secret_only() -> None:
    _, secret, _ = TokenKeyring.new()
    _, other, _ = TokenKeyring.new()
    keys = {"default": {1: b"\x01" * 32, 2: b"\x02" * 32}, "instance": {1: b"\x03" * 32}}
    sealed = TokenKeyring.seal_keys(secret, keys)
    assert b"\x01" * 32 not in sealed
    assert TokenKeyring.open_keys(secret, sealed) == keys
    with pytest.raises(TokenMalformed):
        TokenKeyring.open_keys(other, sealed)
    with pytest.raises(TokenMalformed):
        TokenKeyring.open_keys(secret, sealed[:-1] + bytes([sealed[-1] ^ 1]))
