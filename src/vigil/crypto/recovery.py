"""An organisation recovery key split k-of-n among trustees with Shamir's scheme (PyCryptodome).

PyCryptodome shares 16-byte secrets, so the 32-byte key is split as two halves, each shared with
the same k and n; a printed share carries its index and both halves:

    vigil-share-3-of-5:2:<split id, 8 hex>:<two 16-byte shares, 64 hex><checksum, 4 hex>

The checksum, a CRC-16/CCITT over everything before it, catches a mistyped share before
combining: it detects every single wrong character and every swap of two neighbouring characters
(a CRC of degree 16 catches all error bursts up to 16 bits), where a truncated hash would miss one
typo in 65536. It is no defence against a dishonest trustee, who can forge a checksum: compare
`secret_fingerprint` after restoring. The split id, random per split, stops shares of two
different splits (even of the same key) from being mixed into a wrong key. Fewer than k shares
carry no information about the key; neither the split id nor the fingerprint reveals anything
usable about it.
"""

import binascii
import hashlib
import re
import secrets
from dataclasses import dataclass

from Crypto.Protocol.SecretSharing import Shamir

SECRET_BYTES = 32
HALF_BYTES = 16
MAX_SHARES = 16
SPLIT_ID_BYTES = 4
CHECKSUM_BYTES = 2

_FINGERPRINT_LABEL = b"vigil recovery key fingerprint v1\x00"
_SHARE = re.compile(
    r"vigil-share-(?P<k>\d+)-of-(?P<n>\d+):(?P<index>\d+):(?P<split>[0-9a-f]{8}):"
    r"(?P<body>[0-9a-f]{64})(?P<checksum>[0-9a-f]{4})"
)


class RecoveryError(ValueError):
    """Shares that cannot be combined: mistyped, too few, or from different splits."""


@dataclass(frozen=True, slots=True)
class RecoveryShare:
    """One trustee's share: its place in a k-of-n split and its two 16-byte halves."""

    threshold: int
    shares: int
    index: int
    split_id: str
    first: bytes
    second: bytes

    def to_text(self) -> str:
        """Return the printable share, ending in a checksum over all that precedes it."""
        body = f"{self._prefix()}{(self.first + self.second).hex()}"
        return body + _checksum(body)

    def _prefix(self) -> str:
        return f"vigil-share-{self.threshold}-of-{self.shares}:{self.index}:{self.split_id}:"


def split_secret(secret: bytes, threshold: int, shares: int) -> list[str]:
    """Split a 32-byte secret into printable shares; any `threshold` of them restore it.

    Fewer than `threshold` shares reveal nothing about the secret, so each trustee alone (or a
    coalition one short) cannot recover the key.
    """
    if len(secret) != SECRET_BYTES:
        raise ValueError(f"the recovery secret must be {SECRET_BYTES} bytes, not {len(secret)}")
    if not 2 <= threshold <= shares <= MAX_SHARES:
        raise ValueError(
            f"need 2 <= threshold <= shares <= {MAX_SHARES}; got {threshold} of {shares}"
        )
    split_id = secrets.token_hex(SPLIT_ID_BYTES)
    firsts = Shamir.split(threshold, shares, secret[:HALF_BYTES])
    seconds = Shamir.split(threshold, shares, secret[HALF_BYTES:])
    return [
        RecoveryShare(threshold, shares, index, split_id, first, second).to_text()
        for (index, first), (_, second) in zip(firsts, seconds, strict=True)
    ]


def parse_share(text: str, position: int = 1) -> RecoveryShare:
    """Read one printed share (spaces and case ignored), refusing it if its checksum fails.

    `position` is the share's place in what the user typed, used only to name it in errors.
    """
    compact = "".join(text.split()).lower()
    match = _SHARE.fullmatch(compact)
    if match is None:
        raise RecoveryError(f"share {position} is not a Vigil recovery share (mistyped?)")
    if _checksum(compact[: -2 * CHECKSUM_BYTES]) != match["checksum"]:
        raise RecoveryError(f"share {position} is mistyped: its checksum does not match")
    threshold, count, index = int(match["k"]), int(match["n"]), int(match["index"])
    if not 2 <= threshold <= count <= MAX_SHARES or not 1 <= index <= count:
        raise RecoveryError(f"share {position} names an impossible split ({threshold} of {count})")
    body = bytes.fromhex(match["body"])
    return RecoveryShare(
        threshold, count, index, match["split"], body[:HALF_BYTES], body[HALF_BYTES:]
    )


def combine_shares(shares: list[str]) -> bytes:
    """Restore the 32-byte secret from at least k shares of one split.

    Mistyped shares, shares of different splits and too few shares are refused before combining,
    so a wrong key is never returned silently; compare `secret_fingerprint` to be sure.
    """
    parsed = [parse_share(text, position) for position, text in enumerate(shares, start=1)]
    if not parsed:
        raise RecoveryError("no shares given")
    _require_one_split(parsed)
    distinct = _distinct_by_index(parsed)
    needed = parsed[0].threshold
    if len(distinct) < needed:
        raise RecoveryError(f"not enough shares: have {len(distinct)} of {needed}")
    secret = _interpolate(distinct[:needed])
    if len(distinct) > needed and _interpolate(distinct[-needed:]) != secret:
        raise RecoveryError("the shares disagree: at least one of them is corrupt")
    return secret


def secret_fingerprint(secret: bytes) -> str:
    """Return a short hash of the secret to confirm a restore; it reveals nothing usable."""
    digest = hashlib.sha256(_FINGERPRINT_LABEL + secret).hexdigest()
    return "-".join(digest[start : start + 4] for start in range(0, 16, 4))


def _checksum(text: str) -> str:
    return f"{binascii.crc_hqx(text.encode('ascii'), 0xFFFF):04x}"


def _require_one_split(parsed: list[RecoveryShare]) -> None:
    first = parsed[0]
    for position, share in enumerate(parsed[1:], start=2):
        same = (share.split_id, share.threshold, share.shares) == (
            first.split_id,
            first.threshold,
            first.shares,
        )
        if not same:
            raise RecoveryError(
                f"shares come from different splits: share 1 is {first.threshold} of "
                f"{first.shares} ({first.split_id}), share {position} is {share.threshold} of "
                f"{share.shares} ({share.split_id})"
            )


def _distinct_by_index(parsed: list[RecoveryShare]) -> list[RecoveryShare]:
    by_index: dict[int, RecoveryShare] = {}
    for share in parsed:
        known = by_index.setdefault(share.index, share)
        if known != share:
            raise RecoveryError(f"two different shares both claim to be share {share.index}")
    return [by_index[index] for index in sorted(by_index)]


def _interpolate(chosen: list[RecoveryShare]) -> bytes:
    first = Shamir.combine([(share.index, share.first) for share in chosen])
    second = Shamir.combine([(share.index, share.second) for share in chosen])
    return first + second
