"""Finding a person by name through blind indexes, without decrypting the person table.

Each person's names and aliases are split into normalised tokens (Cyrillic and the usual Latin
transliterations fold to one spelling); for every token the store keeps two keyed, truncated
terms: one of the token ("t") and one of its phonetic code ("p"). The index key of a
compartment is derived from its current data key, so terms of different compartments, or of
the same compartment before and after a key rotation, cannot be compared.

A search computes the terms of the searched name, asks the store for the persons holding most
of them, then opens those candidates' identities in memory and checks them token by token:
truncation makes the index return persons whose tokens merely share a bucket, and those are
dropped. What reaches the caller is exact: how many of the searched tokens a person has as
such, and how many only by their sound. The searched name is never stored, logged or audited.

Everything here takes the compartment and its index explicitly (a ``CompartmentIndex``), so
that records of several compartments, and re-indexing during a key rotation, use the same calls.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vigil.domain.codes import RecordKind
from vigil.domain.errors import DomainError
from vigil.domain.records import Identity
from vigil.services.ports import (
    CompartmentIndex,
    NameIndex,
    RecordStore,
    StoredRecord,
)
from vigil.services.stored import open_sealed, seal_context
from vigil.services.workspace import Locked, Workspace

SPELLING = "t"
PHONETIC = "p"
EXACT_WEIGHT = 2
PHONETIC_WEIGHT = 1
DEFAULT_LIMIT = 10
MAX_LIMIT = 200
# At most this many candidates are opened and checked per compartment and search.
CHECK_BUDGET = 500
_CHUNK = 25
_PAGE = 2000
_STATE_SETTING = "name-index:"


@dataclass(frozen=True, slots=True)
class PersonMatch:
    """A person whose names match a searched name: how many searched tokens, and how."""

    code: str
    compartment: str
    exact: int  # searched tokens the person's names hold as such (after folding scripts)
    phonetic: int  # searched tokens the person's names hold only by their sound
    tokens: int  # tokens in the searched name
    names: tuple[str, ...] = ()  # names and aliases, only when revealed

    @property
    def score(self) -> float:
        """1.0 when every searched token matches exactly; a phonetic match counts half."""
        return (EXACT_WEIGHT * self.exact + PHONETIC_WEIGHT * self.phonetic) / (
            EXACT_WEIGHT * self.tokens
        )


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The matches, best first, and how many candidates the index gave that were checked."""

    matches: list[PersonMatch]
    checked: int
    complete: bool  # False when more candidates were left than the check budget allows


def compartment_of(stored: StoredRecord) -> str:
    """Return the compartment a stored person belongs to."""
    return stored.compartment


def identity_names(identity: Identity | Mapping[str, Any] | None) -> list[str]:
    """Return the names and aliases of an identity, or of an opened sealed section."""
    if identity is None:
        return []
    if isinstance(identity, Identity):
        return [*identity.names, *identity.aliases]
    inner = identity.get("identity", identity)
    if not isinstance(inner, Mapping):
        return []
    found: list[str] = []
    for field in ("names", "aliases"):
        values = inner.get(field) or []
        if isinstance(values, str):
            values = [values]
        found += [value for value in values if isinstance(value, str)]
    return found


def person_terms(index: NameIndex, names: Iterable[str]) -> set[str]:
    """Return the terms to store for a person's names: a spelling and a phonetic term a token."""
    terms: set[str] = set()
    for name in names:
        for token, code in index.tokens(name):
            terms.add(index.term(SPELLING, token))
            if code:
                terms.add(index.term(PHONETIC, code))
    return terms


def index_person(
    store: RecordStore, compartment: str, index: NameIndex, code: str, names: Iterable[str]
) -> None:
    """Replace a person's terms with those of these names, in this compartment's index."""
    store.replace_person_tokens(compartment, {code: person_terms(index, names)})


def reindex_person(store: RecordStore, target: CompartmentIndex, stored: StoredRecord) -> None:
    """Recompute a stored person's terms from its opened identity, under ``target``'s key.

    During a key rotation, call it with the new key's ``CompartmentIndex`` once the identity
    has been sealed again (``target.cipher`` must open ``stored.sealed``).
    """
    names = identity_names(open_sealed(stored, target.cipher)) if stored.sealed else []
    index_person(store, target.compartment, target.names, stored.code, names)


def unindex_person(store: RecordStore, code: str) -> None:
    """Remove a person's terms from every compartment's index."""
    store.replace_person_tokens("", {code: ()})  # removes the person's terms everywhere


def index_state(store: RecordStore, compartment: str) -> int | None:
    """Return the key version a compartment's index was last built under, or None if never."""
    value = store.read_setting(_STATE_SETTING + compartment)
    return int(value) if value and value.isdigit() else None


def mark_index_built(store: RecordStore, compartment: str, key_version: int) -> None:
    """Record that every person of a compartment is indexed under this key version.

    A new instance marks its compartments at once (it has no persons); a rebuild or a key
    rotation marks them when done.
    """
    store.write_setting(_STATE_SETTING + compartment, str(key_version))


def mark_index_stale(store: RecordStore, compartment: str) -> None:
    """Record that a compartment's index misses persons: searches ask for a rebuild."""
    store.delete_setting(_STATE_SETTING + compartment)


def compartment_index(ws: Workspace, compartment: str) -> CompartmentIndex:
    """Return the signed-in user's index of a compartment, or fail if they hold no key to it."""
    found = ws.name_indexes.get(compartment)
    if found is None:
        raise Locked(f"this needs a signed-in member of compartment {compartment!r}")
    return found


def index_identity(ws: Workspace, code: str, identity: Identity | None, compartment: str) -> None:
    """Index a person whose identity was just created or edited (plaintext in memory).

    A workspace without the compartment's index (one opened without sign-in, as when an
    instance from before user accounts is moved over) marks the index as needing a rebuild.
    """
    target = ws.name_indexes.get(compartment)
    if target is None:
        mark_index_stale(ws.store, compartment)
        return
    index_person(ws.store, target.compartment, target.names, code, identity_names(identity))


def reindex_compartment(ws: Workspace, target: CompartmentIndex) -> int:
    """Rebuild a compartment's whole index under ``target``'s key; return the persons indexed.

    Used for instances made before name search, and after a key rotation.
    """
    ws.require("compartment.rekey")
    store = ws.store
    count = 0
    with store.transaction():
        store.clear_person_tokens(target.compartment)
        last = ""
        # only persons with a sealed section have names; walk them by code, a page at a time
        while rows := store.sealed_current(RecordKind.PERSON, target.compartment, last, _PAGE):
            batch: dict[str, set[str]] = {}
            for row in rows:
                plain = target.cipher.open(row.sealed, seal_context(row.kind, row.code))
                batch[row.code] = person_terms(target.names, identity_names(json.loads(plain)))
            store.replace_person_tokens(target.compartment, batch)
            count += len(batch)
            last = rows[-1].code
        mark_index_built(store, target.compartment, target.key_version)
        ws.record_event(
            "reindex",
            None,
            {
                "kind": "person",
                "compartment": target.compartment,
                "key_version": str(target.key_version),
                "records": str(count),
            },
        )
    return count


def _query_groups(
    target: CompartmentIndex, query: Sequence[tuple[str, str]]
) -> list[dict[str, int]]:
    groups = []
    for token, code in query:
        group = {target.names.term(SPELLING, token): EXACT_WEIGHT}
        if code:
            group[target.names.term(PHONETIC, code)] = PHONETIC_WEIGHT
        groups.append(group)
    return groups


def _check(
    target: CompartmentIndex, stored: StoredRecord, query: Sequence[tuple[str, str]], reveal: bool
) -> PersonMatch | None:
    names = identity_names(open_sealed(stored, target.cipher)) if stored.sealed else []
    tokens: set[str] = set()
    codes: set[str] = set()
    for name in names:
        for token, code in target.names.tokens(name):
            tokens.add(token)
            codes.add(code)
    exact = sum(1 for token, _ in query if token in tokens)
    phonetic = sum(1 for token, code in query if token not in tokens and code and code in codes)
    if not exact and not phonetic:
        return None  # the index matched a bucket, not a name
    shown = tuple(names) if reveal else ()
    return PersonMatch(stored.code, target.compartment, exact, phonetic, len(query), shown)


def _search(
    ws: Workspace, target: CompartmentIndex, name: str, limit: int, reveal: bool
) -> tuple[list[PersonMatch], int, bool]:
    query = target.names.tokens(name)
    if not query:
        return [], 0, True
    best = EXACT_WEIGHT * len(query)
    candidates = ws.store.match_person_tokens(
        target.compartment, _query_groups(target, query), CHECK_BUDGET
    )
    matches: list[PersonMatch] = []
    checked = 0
    for start in range(0, len(candidates), _CHUNK):
        chunk = candidates[start : start + _CHUNK]
        found = {s.code: s for s in ws.store.get_many(RecordKind.PERSON, [c for c, _ in chunk])}
        for code, _ in chunk:
            stored = found.get(code)
            if stored is not None and compartment_of(stored) == target.compartment:
                match = _check(target, stored, query, reveal)
                if match is not None:
                    matches.append(match)
        checked += len(chunk)
        if start + _CHUNK < len(candidates) and len(matches) >= limit:
            # The index score bounds the true score: nothing further can rank higher.
            kth = sorted((m.score for m in matches), reverse=True)[limit - 1]
            if kth >= candidates[start + _CHUNK][1] / best:
                return matches, checked, True
    return matches, checked, len(candidates) < CHECK_BUDGET


def _check_index_built(ws: Workspace, target: CompartmentIndex) -> None:
    if index_state(ws.store, target.compartment) != target.key_version:
        raise DomainError(
            f"the name index of compartment {target.compartment!r} is not built for its "
            "current key: run `vigil person reindex`; nothing was searched"
        )


def find_persons(
    ws: Workspace, name: str, limit: int = DEFAULT_LIMIT, reveal: bool = False
) -> SearchResult:
    """Find persons by name in every compartment the signed-in user holds a key to.

    Matches are ranked by score (exact tokens count twice as much as phonetic-only ones),
    then by code. The search is audited without the name; with ``reveal`` the names of the
    matches are returned and each shown person is audited as revealed.
    """
    ws.require("person.find")
    if reveal:
        ws.require("sealed.reveal")
    if not 1 <= limit <= MAX_LIMIT:
        raise DomainError(f"the limit must be between 1 and {MAX_LIMIT}; nothing was searched")
    if not ws.name_indexes:
        raise Locked("a search needs a signed-in user (VIGIL_USER, VIGIL_PASSPHRASE or the prompt)")
    targets = [ws.name_indexes[c] for c in sorted(ws.name_indexes)]
    if not any(target.names.tokens(name) for target in targets):
        raise DomainError("the name has no word of two letters or more to search for")
    for target in targets:
        _check_index_built(ws, target)
    matches: list[PersonMatch] = []
    checked, complete = 0, True
    for target in targets:
        found, opened, whole = _search(ws, target, name, limit, reveal)
        matches += found
        checked += opened
        complete = complete and whole
    matches.sort(key=lambda m: (-m.score, -m.exact, m.code))
    matches = matches[:limit]
    with ws.store.transaction():
        ws.record_event(
            "search",
            None,
            {
                "kind": "person",
                "compartments": ",".join(t.compartment for t in targets),
                "checked": str(checked),
                "matches": str(len(matches)),
                "reveal": "yes" if reveal else "no",
            },
        )
        if reveal:
            for match in matches:
                ws.record_event("reveal", match.code, {"kind": "person", "via": "search"})
    return SearchResult(matches, checked, complete)
