"""Splitting the organisation recovery key k-of-n among trustees and restoring it."""

import secrets

import pytest
from Crypto.Protocol.SecretSharing import Shamir
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.crypto.recovery import (
    RecoveryError,
    RecoveryShare,
    combine_shares,
    parse_share,
    secret_fingerprint,
    split_secret,
)

SECRET = bytes(range(32))
HEX = "0123456789abcdef"


@settings(max_examples=40, deadline=None)
@given(data=st.data(), secret=st.binary(min_size=32, max_size=32))
def test_any_k_of_n_shares_restore_the_secret(data: st.DataObject, secret: bytes) -> None:
    shares = data.draw(st.integers(min_value=2, max_value=16), label="n")
    threshold = data.draw(st.integers(min_value=2, max_value=shares), label="k")
    printed = split_secret(secret, threshold, shares)
    chosen = data.draw(
        st.lists(st.sampled_from(printed), min_size=threshold, max_size=shares, unique=True)
    )
    assert combine_shares(chosen) == secret


def test_each_share_names_its_split_and_index() -> None:
    printed = split_secret(SECRET, 3, 5)
    assert [text.split(":")[:2] for text in printed] == [
        ["vigil-share-3-of-5", str(index)] for index in range(1, 6)
    ]
    assert len({text.split(":")[2] for text in printed}) == 1


def test_k_minus_one_shares_are_refused_as_too_few() -> None:
    printed = split_secret(SECRET, 3, 5)
    with pytest.raises(RecoveryError, match="not enough shares: have 2 of 3"):
        combine_shares(printed[1:3])


def test_k_minus_one_shares_forced_through_the_library_give_another_secret() -> None:
    for threshold in (2, 3, 5):
        printed = [parse_share(text) for text in split_secret(SECRET, threshold, 5)]
        too_few = printed[: threshold - 1]
        first = Shamir.combine([(share.index, share.first) for share in too_few])
        second = Shamir.combine([(share.index, share.second) for share in too_few])
        assert first + second != SECRET
        assert secret_fingerprint(first + second) != secret_fingerprint(SECRET)


def test_a_share_counted_twice_counts_once() -> None:
    printed = split_secret(SECRET, 2, 3)
    with pytest.raises(RecoveryError, match="have 1 of 2"):
        combine_shares([printed[0], printed[0]])


def test_every_single_mistyped_character_is_detected() -> None:
    text = split_secret(SECRET, 2, 3)[1]
    start = text.rindex(":") + 1
    for position in range(start, len(text)):
        for wrong in HEX.replace(text[position], ""):
            typo = text[:position] + wrong + text[position + 1 :]
            with pytest.raises(RecoveryError, match="share 1 is mistyped"):
                parse_share(typo)


def test_every_swap_of_neighbouring_characters_is_detected() -> None:
    text = split_secret(SECRET, 2, 3)[0]
    for position in range(len(text) - 1):
        swapped = text[:position] + text[position + 1] + text[position] + text[position + 2 :]
        if swapped != text:
            with pytest.raises(RecoveryError, match="share 1 is"):
                parse_share(swapped)


def test_the_mistyped_share_is_named_by_its_place_in_the_input() -> None:
    printed = split_secret(SECRET, 2, 3)
    typo = printed[1][:-6] + ("0" if printed[1][-6] != "0" else "1") + printed[1][-5:]
    with pytest.raises(RecoveryError, match="share 2 is mistyped"):
        combine_shares([printed[0], typo])


def test_a_mistyped_index_is_detected() -> None:
    text = split_secret(SECRET, 2, 3)[0].replace(":1:", ":2:", 1)
    with pytest.raises(RecoveryError, match="mistyped"):
        parse_share(text)


def test_text_that_is_no_share_is_refused() -> None:
    with pytest.raises(RecoveryError, match="share 1 is not a Vigil recovery share"):
        combine_shares(["correct horse battery staple"])


def test_shares_typed_with_spaces_and_capitals_are_accepted() -> None:
    first, second = split_secret(SECRET, 2, 2)
    spaced = " ".join(first[i : i + 8] for i in range(0, len(first), 8)).upper()
    assert combine_shares([spaced, second]) == SECRET


def test_shares_from_two_splits_of_the_same_secret_are_refused() -> None:
    one, other = split_secret(SECRET, 2, 3), split_secret(SECRET, 2, 3)
    with pytest.raises(RecoveryError, match="shares come from different splits"):
        combine_shares([one[0], other[1]])


def test_shares_of_splits_with_different_thresholds_are_refused() -> None:
    with pytest.raises(RecoveryError, match="different splits"):
        combine_shares([split_secret(SECRET, 2, 3)[0], split_secret(SECRET, 3, 5)[1]])


def test_two_different_shares_with_one_index_are_refused() -> None:
    genuine = parse_share(split_secret(SECRET, 2, 3)[0])
    forged = RecoveryShare(2, 3, 1, genuine.split_id, bytes(16), bytes(16)).to_text()
    with pytest.raises(RecoveryError, match="both claim to be share 1"):
        combine_shares([genuine.to_text(), forged])


def test_a_corrupt_share_among_more_than_k_is_detected() -> None:
    printed = split_secret(SECRET, 2, 3)
    split_id = parse_share(printed[0]).split_id
    forged = RecoveryShare(2, 3, 3, split_id, bytes(16), bytes(16)).to_text()
    with pytest.raises(RecoveryError, match="at least one of them is corrupt"):
        combine_shares([*printed[:2], forged])


def test_no_shares_are_refused() -> None:
    with pytest.raises(RecoveryError, match="no shares"):
        combine_shares([])


@pytest.mark.parametrize(("threshold", "shares"), [(1, 3), (0, 0), (4, 3), (2, 17), (17, 17)])
def test_impossible_thresholds_are_refused(threshold: int, shares: int) -> None:
    with pytest.raises(ValueError, match=f"got {threshold} of {shares}"):
        split_secret(SECRET, threshold, shares)


@pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
def test_secrets_that_are_not_32_bytes_are_refused(length: int) -> None:
    with pytest.raises(ValueError, match="must be 32 bytes"):
        split_secret(bytes(length), 2, 3)


def test_the_fingerprint_confirms_the_restored_secret() -> None:
    other = secrets.token_bytes(32)
    fingerprint = secret_fingerprint(SECRET)
    assert fingerprint == secret_fingerprint(combine_shares(split_secret(SECRET, 2, 3)[1:]))
    assert fingerprint != secret_fingerprint(other)
    assert len(fingerprint) == 19
    assert SECRET.hex()[:8] not in fingerprint


@settings(max_examples=50, deadline=None)
@given(
    threshold=st.integers(min_value=2, max_value=16),
    index=st.integers(min_value=1, max_value=16),
    split_id=st.text(alphabet=HEX, min_size=8, max_size=8),
    halves=st.binary(min_size=32, max_size=32),
)
def test_printed_shares_read_back_as_written(
    threshold: int, index: int, split_id: str, halves: bytes
) -> None:
    share = RecoveryShare(threshold, 16, index, split_id, halves[:16], halves[16:])
    assert parse_share(share.to_text()) == share
