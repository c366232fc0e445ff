"""Export and import as JSON Lines: every record and every version, sealed values kept sealed."""

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from vigil.domain.codes import RecordKind, kind_of
from vigil.domain.errors import DomainError
from vigil.services import person_search
from vigil.services.codec import from_dict
from vigil.services.instance import key_check, verify_key
from vigil.services.permissions import NotAllowed
from vigil.services.ports import Cipher, Keyring, SealBroken, StoredRecord, Version
from vigil.services.rules import check_terms
from vigil.services.stored import open_sealed, seal_context, sealed_keys, to_stored
from vigil.services.workspace import DEFAULT_COMPARTMENT, Workspace

FORMAT = "vigil-export"
FORMAT_VERSION = 1
ACTIONS = ("create", "update", "delete")
_FLUSH = 5000

Progress = Callable[[int], None]


class ImportRejected(DomainError):
    """An import file is malformed; nothing of it was imported."""


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """How sealed values leave: re-sealed under another passphrase, or (explicitly) in plaintext."""

    passphrase: str | None = None
    plaintext: bool = False


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def _header(
    ws: Workspace, keyring: Keyring, options: ExportOptions
) -> tuple[dict[str, Any], Cipher | None]:
    header: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exported_at": ws.timestamp(),
    }
    if options.plaintext:
        header["sealing"] = "plaintext"
        return header, None
    header["sealing"] = "sealed"
    if not options.passphrase:
        raise DomainError("a sealed export needs a passphrase for the file")
    parameters = keyring.new_parameters()
    target = keyring.cipher_for(options.passphrase, parameters)
    header.update(kdf=json.loads(parameters), key_check=key_check(target))
    return header, target


def _entry(version: Version, sealed: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "code": version.code,
        "kind": version.kind.value,
        "version": version.version,
        "action": version.action,
        "recorded_at": version.recorded_at,
        "data": version.data,
        "compartment": version.compartment,
    }
    if version.note is not None:
        entry["note"] = version.note
    entry.update(sealed)
    return entry


def export_lines(ws: Workspace, keyring: Keyring, options: ExportOptions) -> Iterator[str]:
    """Yield the export file line by line: a header, then every version in written order.

    Only records of the exporting user's compartments leave.
    """
    ws.require("export.full")
    header, target = _header(ws, keyring, options)
    yield json.dumps(header, ensure_ascii=False)
    for version in ws.store.versions(ws.compartment_filter()):
        sealed: dict[str, Any] = {}
        if version.sealed is not None:
            source = ws.cipher_for(version.compartment)
            stored = StoredRecord(version.kind, version.code, version.version, {}, version.sealed)
            if target is None:
                sealed["sealed_plain"] = open_sealed(stored, source)
            else:
                plain = source.open(version.sealed, seal_context(version.kind, version.code))
                resealed = target.seal(plain, seal_context(version.kind, version.code))
                sealed["sealed"] = _b64(resealed)
        yield json.dumps(_entry(version, sealed), ensure_ascii=False, sort_keys=True)


def write_export(
    ws: Workspace,
    keyring: Keyring,
    options: ExportOptions,
    out: IO[str],
    progress: Progress | None = None,
) -> int:
    """Write the export to a text stream; return the number of versions written."""
    sealing = "plaintext" if options.plaintext else "file passphrase"
    ws.require("export.full")
    ws.record_event("export", None, {"format": "jsonl", "sealing": sealing})
    count = -1
    for count, line in enumerate(export_lines(ws, keyring, options)):
        out.write(line + "\n")
        if progress and count and count % 1000 == 0:
            progress(1000)
    return max(count, 0)


@dataclass
class _ImportState:
    """What an import has seen so far: codes, the line each was created on, pending rows."""

    lines: dict[str, int] = field(default_factory=dict)
    last: dict[str, int] = field(default_factory=dict)
    versions: list[Version] = field(default_factory=list)
    current: list[StoredRecord] = field(default_factory=list)
    source_kinds: dict[str, str] = field(default_factory=dict)
    new: list[str] = field(default_factory=list)  # created since the store was last asked
    # persons' blind-index terms, per compartment
    terms: dict[str, dict[str, set[str]]] = field(default_factory=dict)


def _fail(line: int, message: str) -> ImportRejected:
    return ImportRejected(f"line {line}: {message}; nothing was imported")


def _need(entry: dict[str, Any], name: str, kind: type | tuple[type, ...], line: int) -> Any:
    if name not in entry:
        raise _fail(line, f"field {name!r} is missing")
    value = entry[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise _fail(line, f"field {name!r} has the wrong type")
    return value


class Importer:
    """Reads an export into a store in one transaction: all of it, or nothing."""

    def __init__(
        self,
        ws: Workspace,
        keyring: Keyring,
        passphrase: str | None,
        progress: Progress | None = None,
    ) -> None:
        self.ws = ws
        self.keyring = keyring
        self.passphrase = passphrase
        self.progress = progress
        self.state = _ImportState()
        self.source_cipher: Cipher | None = None
        self.plaintext = False
        self._opened: bytes | None = None  # the sealed section of the current entry, opened

    def run(self, lines: Iterable[str]) -> int:
        """Import every line; return the number of records imported."""
        self.ws.require("import")
        with self.ws.store.transaction():
            numbered = enumerate(lines, start=1)
            first = next(numbered, None)
            if first is None:
                raise _fail(1, "the file is empty")
            self._read_header(first[1])
            for number, text in numbered:
                if text.strip():
                    try:
                        self._read_entry(number, text)
                    except ImportRejected:
                        self._check_new()  # an earlier line may name a code already stored
                        raise
            self._flush()
            self._check_references()
            self.ws.record_event(
                "import",
                None,
                {
                    "records": str(len(self.state.lines)),
                    "sealing": "plaintext" if self.plaintext else "sealed",
                },
            )
        return len(self.state.lines)

    def _read_header(self, text: str) -> None:
        header = self._json(1, text)
        if header.get("format") != FORMAT or header.get("version") != FORMAT_VERSION:
            raise _fail(1, f"not a {FORMAT} file of version {FORMAT_VERSION}")
        sealing = header.get("sealing")
        if sealing == "plaintext":
            self.plaintext = True
            return
        if sealing != "sealed" or not isinstance(header.get("kdf"), dict):
            raise _fail(1, "field 'sealing' or 'kdf' is missing or wrong")
        parameters = json.dumps(header["kdf"], sort_keys=True)
        if self.passphrase is None:
            raise _fail(1, "this file is sealed: give its passphrase with --file-passphrase")
        try:
            self.source_cipher = self.keyring.cipher_for(self.passphrase, parameters)
        except (ValueError, TypeError, KeyError):
            raise _fail(1, "field 'kdf' is malformed") from None
        verify_key(self.source_cipher, str(header.get("key_check")))

    @staticmethod
    def _json(line: int, text: str) -> dict[str, Any]:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise _fail(line, f"not valid JSON at column {error.colno}") from None
        if not isinstance(value, dict):
            raise _fail(line, "expected a JSON object")
        return value

    def _read_entry(self, line: int, text: str) -> None:
        entry = self._json(line, text)
        code = _need(entry, "code", str, line)
        kind_name = _need(entry, "kind", str, line)
        try:
            kind = RecordKind(kind_name)
        except ValueError:
            raise _fail(line, f"field 'kind': {kind_name!r} is not a kind of record") from None
        try:
            if kind_of(code) is not kind:
                raise _fail(line, f"field 'code': {code} is not a {kind.value} code")
        except DomainError as error:
            raise _fail(line, f"field 'code': {error}") from None
        number = _need(entry, "version", int, line)
        action = _need(entry, "action", str, line)
        if action not in ACTIONS:
            raise _fail(line, f"field 'action': {action!r} is not one of {', '.join(ACTIONS)}")
        if number != self.state.last.get(code, 0) + 1:
            raise _fail(line, f"field 'version': {code} version {number} is out of sequence")
        if number == 1 and action != "create":
            raise _fail(line, f"field 'action': {code} must be created before it is changed")
        recorded_at = _need(entry, "recorded_at", str, line)
        data = _need(entry, "data", dict, line)
        compartment = entry.get("compartment", DEFAULT_COMPARTMENT)
        if not isinstance(compartment, str):
            raise _fail(line, "field 'compartment' must be a string")
        try:
            cipher = self.ws.cipher_for(compartment)
        except NotAllowed as error:
            raise _fail(line, f"field 'compartment': {error}") from None
        version = Version(
            code,
            kind,
            number,
            action,
            recorded_at,
            data,
            self._sealed(line, entry, kind, code, cipher),
            entry.get("note"),
            compartment,
        )
        if kind is RecordKind.PERSON:
            self._index(line, code, None if action == "delete" else self._opened, compartment)
        self._accept(line, version)

    def _index(self, line: int, code: str, opened: bytes | None, compartment: str) -> None:
        """Keep the person's blind-index terms, computed from the identity opened in memory."""
        names: list[str] = []
        if opened is not None:
            try:
                names = person_search.identity_names(json.loads(opened))
            except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
                raise _fail(line, "the sealed section is not a JSON object") from None
        target = self.ws.name_indexes.get(compartment)
        if target is None:
            person_search.mark_index_stale(self.ws.store, compartment)
            return
        terms = person_search.person_terms(target.names, names)
        self.state.terms.setdefault(compartment, {})[code] = terms

    def _sealed(
        self, line: int, entry: dict[str, Any], kind: RecordKind, code: str, cipher: Cipher
    ) -> bytes | None:
        context = seal_context(kind, code)
        self._opened = None
        if self.plaintext:
            plain = entry.get("sealed_plain")
            if plain is None:
                return None
            if not isinstance(plain, dict):
                raise _fail(line, "field 'sealed_plain' must be an object")
            encoded = json.dumps(plain, ensure_ascii=False, sort_keys=True).encode()
            self._opened = encoded
            return cipher.seal(encoded, context)
        raw = entry.get("sealed")
        if raw is None:
            return None
        try:
            sealed = base64.b64decode(str(raw), validate=True)
        except (binascii.Error, ValueError):
            raise _fail(line, "field 'sealed' is not base64") from None
        assert self.source_cipher is not None  # noqa: S101 - set by the header of a sealed file
        try:
            plain = self.source_cipher.open(sealed, context)
        except SealBroken:
            raise _fail(
                line, "field 'sealed' does not open: altered, moved, or another key"
            ) from None
        self._opened = plain
        return cipher.seal(plain, context)

    def _accept(self, line: int, version: Version) -> None:
        state = self.state
        if version.version == 1:
            if version.code in state.lines:
                raise _fail(line, f"field 'code': {version.code} already exists in this instance")
            state.lines[version.code] = line
            state.new.append(version.code)
        else:
            self._flush()
        state.last[version.code] = version.version
        state.versions.append(version)
        if version.action == "delete":
            self.ws.store.drop(version.kind, version.code)
        else:
            stored = self._stored(line, version)
            if version.version > 1:
                self.ws.store.drop(version.kind, version.code)
            state.current.append(stored)
        if len(state.versions) >= _FLUSH:
            self._flush()

    def _stored(self, line: int, version: Version) -> StoredRecord:
        data = {**version.data, "code": version.code}
        try:
            record = from_dict(version.kind, data)
            check_terms(self.ws.vocabularies, record)
        except DomainError as error:
            raise _fail(line, str(error)) from None
        if version.kind is RecordKind.SOURCE:
            self.state.source_kinds[version.code] = str(data.get("kind"))
        secret = sealed_keys(self.ws.vocabularies, record, self._source_kind(data))
        for key in secret:
            if version.data.get(key) not in (None, "", [], {}):
                raise _fail(line, f"field 'data.{key}' must be sealed, not in plaintext")
        return to_stored(
            record,
            version.version,
            secret,
            None,
            sealed=version.sealed,
            compartment=version.compartment,
        )

    def _source_kind(self, data: dict[str, Any]) -> str | None:
        code = data.get("source")
        if not isinstance(code, str):
            return None
        if code not in self.state.source_kinds:
            stored = self.ws.store.get(code)
            return None if stored is None else str(stored.data.get("kind"))
        return self.state.source_kinds[code]

    def _check_new(self) -> None:
        """Fail on the first newly created code that the store already holds (one query)."""
        state = self.state
        if state.new:
            taken = self.ws.store.known(state.new)
            state.new = []
            if taken:
                code = min(taken, key=state.lines.__getitem__)
                raise _fail(
                    state.lines[code], f"field 'code': {code} already exists in this instance"
                )

    def _flush(self) -> None:
        self._check_new()
        state = self.state
        if state.versions:
            self.ws.store.restore(state.versions, state.current)
            if self.progress:
                self.progress(len(state.versions))
        for compartment, terms in state.terms.items():
            self.ws.store.replace_person_tokens(compartment, terms)
        state.versions, state.current, state.terms = [], [], {}

    def _check_references(self) -> None:
        for owner, field_name, missing in self.ws.store.dangling()[:1]:
            line = self.state.lines.get(owner, 0)
            raise _fail(
                line, f"field {field_name!r}: {owner} names {missing}, which does not exist"
            )
