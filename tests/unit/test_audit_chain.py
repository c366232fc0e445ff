"""The hash-chained, signed audit log: an intact chain verifies, every tampering is located."""

import dataclasses
import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import nacl.signing
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from vigil.crypto.audit_chain import (
    GENESIS_HASH,
    AuditEntry,
    AuditHead,
    AuditProblem,
    AuditSigner,
    canonical,
    content_hash,
    head_of,
    verify_chain,
)

SIGNER = AuditSigner.from_seed(bytes(range(32)))
IMPOSTOR = AuditSigner.from_seed(bytes(range(1, 33)))
KEY = SIGNER.verify_key_hex
ACTIONS = ("sign-in", "reveal", "create", "update", "export", "delete", "member-add")
START = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def _chain(length: int, signer: AuditSigner = SIGNER) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    previous = None
    for seq in range(1, length + 1):
        previous = signer.append(
            previous,
            at=(START + timedelta(minutes=seq)).isoformat(),
            actor="system" if seq % 5 == 0 else "olena",
            action=ACTIONS[seq % len(ACTIONS)],
            record=None if seq % 3 == 0 else f"I-{seq:06d}",
            details={"field": "identity", "place": "Харків"} if seq % 2 else {},
        )
        entries.append(previous)
    return entries


def _where(problems: list[AuditProblem]) -> list[tuple[int, int | None, str]]:
    return [(problem.position, problem.seq, problem.kind) for problem in problems]


def _rehashed(entry: AuditEntry) -> AuditEntry:
    return dataclasses.replace(entry, hash=content_hash(entry))


def _forged(previous: AuditEntry | None) -> AuditEntry:
    return IMPOSTOR.append(previous, at=START.isoformat(), actor="olena", action="delete")


def test_an_intact_chain_of_twenty_entries_verifies() -> None:
    entries = _chain(20)
    assert verify_chain(entries, KEY) == []
    assert verify_chain(entries, KEY, head_of(entries[-1])) == []


def test_an_empty_log_without_a_head_is_intact() -> None:
    assert verify_chain([], KEY) == []


def test_verification_streams_entries_in_one_pass() -> None:
    def once() -> Iterator[AuditEntry]:
        yield from _chain(20)

    assert verify_chain(once(), KEY) == []


def test_the_first_entry_has_seq_one_and_chains_to_zeros() -> None:
    first, second = _chain(2)
    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert (second.seq, second.prev_hash) == (2, first.hash)


def test_the_hash_is_sha256_of_the_canonical_content_and_the_signature_covers_its_bytes() -> None:
    entry = _chain(1)[0]
    content = canonical(
        seq=1,
        at=entry.at,
        actor="olena",
        action="reveal",
        record="I-000001",
        details={"place": "Харків", "field": "identity"},
        prev_hash=GENESIS_HASH,
    )
    assert entry.hash == hashlib.sha256(content).hexdigest()
    verify_key = nacl.signing.VerifyKey(bytes.fromhex(KEY))
    verify_key.verify(bytes.fromhex(entry.hash), bytes.fromhex(entry.signature))


def test_canonical_json_has_sorted_keys_no_spaces_and_raw_utf8() -> None:
    content = canonical(
        seq=3,
        at="t",
        actor="a",
        action="b",
        record=None,
        details={"z": "я", "a": "1"},
        prev_hash="p",
    )
    expected = (
        '{"action":"b","actor":"a","at":"t","details":{"a":"1","z":"я"},'
        '"prev_hash":"p","record":null,"seq":3}'
    )
    assert content == expected.encode("utf-8")


def test_appending_copies_the_details_so_later_changes_do_not_alter_the_entry() -> None:
    details = {"format": "csv"}
    entry = SIGNER.append(None, at="t", actor="olena", action="export", details=details)
    details["format"] = "xlsx"
    assert entry.details == {"format": "csv"}
    assert verify_chain([entry], KEY) == []


def test_details_that_are_not_strings_are_refused() -> None:
    with pytest.raises(TypeError, match="strings"):
        SIGNER.append(None, at="t", actor="olena", action="export", details={"rows": 3})  # type: ignore[dict-item]


def test_a_seed_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        AuditSigner.from_seed(b"short")


def test_a_signer_rebuilt_from_its_seed_signs_with_the_same_key() -> None:
    signer = AuditSigner.generate()
    assert AuditSigner.from_seed(signer.seed).verify_key_hex == signer.verify_key_hex


def test_a_verify_key_that_is_not_hex_is_refused() -> None:
    with pytest.raises(ValueError, match="verify key"):
        verify_chain(_chain(1), "not a key")


def test_an_edited_field_is_reported_at_that_entry() -> None:
    entries = _chain(20)
    entries[6] = dataclasses.replace(entries[6], actor="someone else")
    assert _where(verify_chain(entries, KEY)) == [(7, 7, "hash-mismatch")]


def test_an_edit_with_a_recomputed_hash_fails_its_signature_and_breaks_the_next_link() -> None:
    entries = _chain(20)
    entries[6] = _rehashed(dataclasses.replace(entries[6], record="I-999999"))
    assert _where(verify_chain(entries, KEY)) == [(7, 7, "bad-signature"), (8, 8, "broken-link")]


def test_a_deleted_entry_is_reported_where_the_seq_jumps() -> None:
    entries = _chain(20)
    del entries[6]
    problems = verify_chain(entries, KEY)
    assert _where(problems) == [(7, 8, "gap")]
    assert "entry 7 deleted" in problems[0].message


def test_a_deleted_first_entry_is_reported_at_the_start() -> None:
    assert _where(verify_chain(_chain(20)[1:], KEY)) == [(1, 2, "gap")]


def test_an_inserted_forged_entry_is_reported_with_the_duplicate_seq_it_causes() -> None:
    entries = _chain(20)
    entries.insert(6, _forged(entries[5]))
    assert _where(verify_chain(entries, KEY)) == [(7, 7, "bad-signature"), (8, 7, "duplicate")]


def test_a_forged_entry_appended_at_the_end_is_reported() -> None:
    entries = _chain(20)
    entries.append(_forged(entries[-1]))
    assert _where(verify_chain(entries, KEY)) == [(21, 21, "bad-signature")]


def test_an_entry_chained_to_a_made_up_predecessor_breaks_both_its_links() -> None:
    entries = _chain(20)
    entries[6] = _rehashed(dataclasses.replace(entries[6], prev_hash="ab" * 32))
    assert _where(verify_chain(entries, KEY)) == [
        (7, 7, "bad-signature"),
        (7, 7, "broken-link"),
        (8, 8, "broken-link"),
    ]


def test_two_swapped_entries_are_reported_where_the_order_breaks() -> None:
    entries = _chain(20)
    entries[6], entries[7] = entries[7], entries[6]
    assert _where(verify_chain(entries, KEY)) == [
        (7, 8, "gap"),
        (8, 7, "out-of-order"),
        (9, 9, "gap"),
    ]


def test_a_dropped_tail_is_reported_against_a_head_published_before() -> None:
    entries = _chain(20)
    head = head_of(entries[-1])
    problems = verify_chain(entries[:15], KEY, head)
    assert _where(problems) == [(16, None, "truncated")]
    assert "entries 16 to 20" in problems[0].message


def test_a_dropped_tail_passes_unnoticed_without_a_published_head() -> None:
    assert verify_chain(_chain(20)[:15], KEY) == []


def test_a_log_emptied_after_a_head_was_published_is_reported() -> None:
    head = head_of(_chain(3)[-1])
    assert _where(verify_chain([], KEY, head)) == [(1, None, "truncated")]


def test_a_tail_kept_up_to_the_published_head_passes() -> None:
    entries = _chain(20)
    assert verify_chain(entries[:12], KEY, head_of(entries[11])) == []


def test_a_log_rewritten_with_the_key_is_reported_where_it_differs_from_the_head() -> None:
    entries = _chain(20)
    rewritten = _resigned_tail(entries, from_seq=10, count=11)
    assert verify_chain(rewritten, KEY) == []
    assert _where(verify_chain(rewritten, KEY, head_of(entries[-1]))) == [(20, 20, "head-mismatch")]


def _resigned_tail(entries: list[AuditEntry], from_seq: int, count: int) -> list[AuditEntry]:
    kept = entries[: from_seq - 1]
    for _ in range(count):
        kept.append(SIGNER.append(kept[-1], at="later", actor="admin", action="update"))
    return kept


def test_a_head_not_signed_by_the_key_is_reported() -> None:
    entries = _chain(20)
    false_head = head_of(IMPOSTOR.append(entries[18], at="t", actor="olena", action="create"))
    assert _where(verify_chain(entries, KEY, false_head)) == [
        (0, 20, "head-signature"),
        (20, 20, "head-mismatch"),
    ]


def test_a_chain_signed_with_another_key_fails_at_every_entry() -> None:
    problems = verify_chain(_chain(20, IMPOSTOR), KEY)
    assert _where(problems) == [(n, n, "bad-signature") for n in range(1, 21)]


def test_one_entry_re_signed_with_another_key_is_reported_at_that_entry() -> None:
    entries = _chain(20)
    entries[6] = IMPOSTOR.append(entries[5], at="t", actor="olena", action="reveal")
    assert _where(verify_chain(entries, KEY)) == [(7, 7, "bad-signature"), (8, 8, "broken-link")]


@pytest.mark.parametrize("signature", ["", "zz", "00" * 64, "ab" * 63])
def test_a_mangled_signature_is_a_finding_not_a_crash(signature: str) -> None:
    entries = _chain(3)
    entries[1] = dataclasses.replace(entries[1], signature=signature)
    assert _where(verify_chain(entries, KEY)) == [(2, 2, "bad-signature")]


def test_a_head_survives_encoding_and_decoding() -> None:
    head = head_of(_chain(20)[-1])
    text = head.encode()
    assert text.startswith("vigil-audit-head:20:")
    assert text.isprintable()
    assert AuditHead.decode(f"  {text}\n") == head


@settings(max_examples=100, deadline=None)
@given(
    seq=st.integers(min_value=1, max_value=10**17),
    digest=st.binary(min_size=32, max_size=32),
    signature=st.binary(min_size=64, max_size=64),
)
def test_any_head_survives_encoding_and_decoding(seq: int, digest: bytes, signature: bytes) -> None:
    head = AuditHead(seq, digest.hex(), signature.hex())
    assert AuditHead.decode(head.encode()) == head


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "vigil-audit-head",
        "vigil-share-3-of-5:1:" + "a" * 64 + ":" + "b" * 128,
        "vigil-audit-head:0:" + "a" * 64 + ":" + "b" * 128,
        "vigil-audit-head:-3:" + "a" * 64 + ":" + "b" * 128,
        "vigil-audit-head:٣:" + "a" * 64 + ":" + "b" * 128,
        "vigil-audit-head:3:" + "a" * 63 + ":" + "b" * 128,
        "vigil-audit-head:3:" + "A" * 64 + ":" + "b" * 128,
        "vigil-audit-head:3:" + "a" * 64 + ":" + "b" * 127,
        "vigil-audit-head:3:" + "a" * 64 + ":" + "b" * 128 + ":extra",
    ],
)
def test_junk_is_refused_as_a_head(junk: str) -> None:
    with pytest.raises(ValueError, match="audit head"):
        AuditHead.decode(junk)


Tampering = Callable[[list[AuditEntry], st.DataObject], int]


def _edit(entries: list[AuditEntry], data: st.DataObject) -> int:
    k = data.draw(st.integers(1, len(entries)), label="edited position")
    entry = entries[k - 1]
    field = data.draw(st.sampled_from(["seq", "at", "actor", "action", "record", "details"]))
    changed: dict[str, object] = {
        "seq": entry.seq + data.draw(st.integers(1, 5)),
        "at": entry.at + "Z",
        "actor": entry.actor + "!",
        "action": "shred",
        "record": "I-FORGED" if entry.record is None else None,
        "details": {**entry.details, "rows": "0"},
    }
    edited = dataclasses.replace(entry, **{field: changed[field]})  # type: ignore[arg-type]
    assume(edited != entry)
    rehash = data.draw(st.booleans(), label="hash recomputed")
    entries[k - 1] = _rehashed(edited) if rehash else edited
    return k


def _delete(entries: list[AuditEntry], data: st.DataObject) -> int:
    k = data.draw(st.integers(1, len(entries)), label="deleted position")
    del entries[k - 1]
    return k


def _insert(entries: list[AuditEntry], data: st.DataObject) -> int:
    k = data.draw(st.integers(1, len(entries) + 1), label="inserted position")
    entries.insert(k - 1, _forged(entries[k - 2] if k > 1 else None))
    return k


def _swap(entries: list[AuditEntry], data: st.DataObject) -> int:
    assume(len(entries) >= 2)
    i = data.draw(st.integers(1, len(entries) - 1), label="first swapped position")
    j = data.draw(st.integers(i + 1, len(entries)), label="second swapped position")
    entries[i - 1], entries[j - 1] = entries[j - 1], entries[i - 1]
    return i


def _truncate(entries: list[AuditEntry], data: st.DataObject) -> int:
    m = data.draw(st.integers(1, len(entries)), label="entries dropped")
    del entries[len(entries) - m :]
    return len(entries) + 1


def _resign(entries: list[AuditEntry], data: st.DataObject) -> int:
    k = data.draw(st.integers(1, len(entries)), label="re-signed position")
    previous = entries[k - 2] if k > 1 else None
    entries[k - 1] = IMPOSTOR.append(previous, at="t", actor="olena", action="reveal")
    return k


TAMPERINGS: dict[str, Tampering] = {
    "edit": _edit,
    "delete": _delete,
    "insert": _insert,
    "swap": _swap,
    "truncate": _truncate,
    "resign": _resign,
}


@settings(max_examples=300, deadline=None)
@given(
    length=st.integers(min_value=1, max_value=25),
    kind=st.sampled_from(sorted(TAMPERINGS)),
    data=st.data(),
)
def test_any_single_tampering_is_found_where_it_happened(
    length: int, kind: str, data: st.DataObject
) -> None:
    entries = _chain(length)
    head = head_of(entries[-1])
    position = TAMPERINGS[kind](entries, data)
    problems = verify_chain(entries, KEY, head)
    assert problems
    assert problems[0].position in (position, position + 1)


@settings(max_examples=30, deadline=None)
@given(length=st.integers(min_value=0, max_value=40))
def test_any_untouched_chain_verifies(length: int) -> None:
    entries = _chain(length)
    head = head_of(entries[-1]) if entries else None
    assert verify_chain(entries, KEY, head) == []
