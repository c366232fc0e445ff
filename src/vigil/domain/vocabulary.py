"""Controlled vocabularies: hierarchical terms with stable codes and labels in several languages."""

import difflib
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from vigil.domain.errors import DomainError, UnknownTerm


@dataclass(frozen=True, slots=True)
class Term:
    """One coded value; ``labels`` and ``notes`` are keyed by language (``en``, ``ru``)."""

    code: str
    labels: dict[str, str]
    parent: str | None = None
    notes: dict[str, str] = field(default_factory=dict)
    local: bool = False

    def label(self, language: str = "en") -> str:
        return self.labels.get(language) or self.labels.get("en") or self.code


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ё", "е")


class Vocabulary:
    """A tree of terms; answers look-ups, descendants and searches in every language."""

    def __init__(self, ident: str, titles: dict[str, str], terms: Iterable[Term]) -> None:
        self.ident = ident
        self.titles = titles
        self._terms: dict[str, Term] = {}
        self._children: dict[str | None, list[str]] = {}
        for term in terms:
            self.add(term)

    def add(self, term: Term) -> None:
        """Add a term; its parent must already be known and its code must be new."""
        if term.code in self._terms:
            raise DomainError(f"vocabulary {self.ident}: term {term.code!r} is defined twice")
        if term.parent is not None and term.parent not in self._terms:
            raise DomainError(
                f"vocabulary {self.ident}: term {term.code!r} names unknown parent {term.parent!r}"
            )
        self._terms[term.code] = term
        self._children.setdefault(term.parent, []).append(term.code)

    def __contains__(self, code: object) -> bool:
        return code in self._terms

    def __len__(self) -> int:
        return len(self._terms)

    def __iter__(self) -> Iterator[Term]:
        return iter(self._terms.values())

    def title(self, language: str = "en") -> str:
        return self.titles.get(language) or self.titles.get("en") or self.ident

    def term(self, code: str) -> Term:
        """Return the term with this code, or fail naming the nearest codes and labels."""
        try:
            return self._terms[code]
        except KeyError:
            raise UnknownTerm(self.ident, code, self.suggest(code)) from None

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """Return the codes nearest to text, by code or by label in any language."""
        folded = _fold(text)
        scored: dict[str, float] = {}
        for term in self._terms.values():
            keys = [term.code, *term.labels.values()]
            best = max(difflib.SequenceMatcher(None, folded, _fold(k)).ratio() for k in keys)
            if any(folded and folded in _fold(k) for k in keys):
                best = max(best, 0.9)
            scored[term.code] = best
        ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))
        return [code for code, score in ranked[:limit] if score >= 0.5]

    def children(self, code: str | None) -> list[Term]:
        return [self._terms[c] for c in self._children.get(code, [])]

    def descendants(self, code: str) -> set[str]:
        """Return the code and the codes of every term below it."""
        self.term(code)
        found, stack = set(), [code]
        while stack:
            current = stack.pop()
            found.add(current)
            stack.extend(self._children.get(current, []))
        return found

    def ancestors(self, code: str) -> list[str]:
        """Return the codes above a term, nearest first."""
        chain, parent = [], self.term(code).parent
        while parent is not None:
            chain.append(parent)
            parent = self._terms[parent].parent
        return chain

    def depth(self, code: str) -> int:
        return len(self.ancestors(code))

    def walk(self) -> Iterator[Term]:
        """Yield every term depth-first, parents before children."""
        stack = list(reversed(self._children.get(None, [])))
        while stack:
            code = stack.pop()
            yield self._terms[code]
            stack.extend(reversed(self._children.get(code, [])))

    def search(self, text: str) -> list[Term]:
        """Return the terms whose code, label or note contains text, in any language."""
        needle = _fold(text)
        return [
            term
            for term in self.walk()
            if any(
                needle in _fold(v) for v in (term.code, *term.labels.values(), *term.notes.values())
            )
        ]
