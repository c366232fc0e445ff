"""Loading vocabularies from the package's data files and from an instance's local additions."""

import re
import tomllib
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from vigil.domain.errors import DomainError, UnknownTerm
from vigil.domain.vocabulary import Term, Vocabulary

LANGUAGES = ("en", "ru")
_CODE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def _terms(data: dict[str, Any], origin: str, local: bool) -> Iterator[Term]:
    for position, raw in enumerate(data.get("terms", []), start=1):
        try:
            labels = {lang: str(raw[lang]) for lang in LANGUAGES}
            if not _CODE.fullmatch(str(raw["code"])):
                raise DomainError(
                    f"{origin}: term {position} code {raw['code']!r} may use only a-z, 0-9 "
                    "and single hyphens"
                )
            notes = {"en": str(raw["note"])} if "note" in raw else {}
            if "note_ru" in raw:
                notes["ru"] = str(raw["note_ru"])
            yield Term(
                code=str(raw["code"]),
                labels=labels,
                parent=raw.get("parent"),
                notes=notes,
                local=local,
            )
        except KeyError as missing:
            raise DomainError(f"{origin}: term {position} lacks {missing.args[0]!r}") from None


def _read(text: str, origin: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DomainError(f"{origin}: not valid TOML ({error})") from None


class Vocabularies:
    """Every vocabulary of an instance, by id."""

    def __init__(self, vocabularies: Iterable[Vocabulary]) -> None:
        self._by_id = {v.ident: v for v in vocabularies}

    def __getitem__(self, ident: str) -> Vocabulary:
        try:
            return self._by_id[ident]
        except KeyError:
            known = ", ".join(sorted(self._by_id))
            raise DomainError(f"no vocabulary {ident!r}; known: {known}") from None

    def __iter__(self) -> Iterator[Vocabulary]:
        return iter(sorted(self._by_id.values(), key=lambda v: v.ident))

    def check(self, ident: str, code: str | None, field: str) -> None:
        """Fail, naming the field and the nearest terms, if code is not in the vocabulary."""
        if code is None:
            return
        vocabulary = self[ident]
        if code not in vocabulary:
            raise UnknownTerm(ident, code, vocabulary.suggest(code), field)


def load_vocabularies(local_folder: Path | None = None) -> Vocabularies:
    """Load the packaged vocabularies, then add an instance's local terms from local_folder."""
    loaded: dict[str, Vocabulary] = {}
    package = resources.files("vigil") / "vocabularies"
    for entry in sorted(package.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        data = _read(entry.read_text(encoding="utf-8"), entry.name)
        ident = str(data.get("id") or entry.name.removesuffix(".toml"))
        titles = {lang: str(data[lang]) for lang in LANGUAGES if lang in data}
        loaded[ident] = Vocabulary(ident, titles, _terms(data, entry.name, local=False))
    if local_folder is not None and local_folder.is_dir():
        for path in sorted(local_folder.glob("*.toml")):
            ident = path.stem
            if ident not in loaded:
                raise DomainError(f"{path.name}: there is no vocabulary {ident!r} to extend")
            data = _read(path.read_text(encoding="utf-8"), path.name)
            if data.get("id", ident) != ident:
                raise DomainError(f"{path.name}: its id {data.get('id')!r} must be {ident!r}")
            for term in _terms(data, path.name, local=True):
                loaded[ident].add(term)
    return Vocabularies(loaded.values())
