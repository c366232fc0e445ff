"""Reading a record form back into a record's dictionary, and filling a form from a record.

:func:`read_form` turns the typed text into the dictionary form of a record (the one
:func:`vigil.services.codec.from_dict` reads), failing with one :class:`FieldError` that names
the field at fault; :func:`form_values` does the reverse for the edit form. The sealed section
of a record is never turned back into text.
"""

from collections.abc import Callable, Mapping
from typing import Any

from vigil.domain.codes import RecordKind, normalise_code, require_kind
from vigil.domain.counts import Qualifier
from vigil.domain.errors import DomainError
from vigil.domain.vocabulary import Vocabulary
from vigil.services.dates import parse_date
from vigil.services.vocabularies import Vocabularies
from vigil.web.i18n import N_ as _
from vigil.web.record_fields import IDENTITY_FIELDS, fields_of


class FieldError(Exception):
    """One field of a form is wrong; the message (to translate with its values) says how."""

    def __init__(self, field: str, message: str, **values: Any) -> None:
        super().__init__(message % values if values else message)
        self.field = field
        self.message = message
        self.values = values


# -- reading a form ---------------------------------------------------------------------------


class _Reader:
    """Reads the typed text of one form, failing on the first wrong field."""

    def __init__(self, kind: RecordKind, values: Mapping[str, str], vocabularies: Vocabularies):
        self.fields = fields_of(kind)
        self.values = values
        self.vocabularies = vocabularies

    def text(self, name: str) -> str | None:
        value = self.values.get(name, "").strip()
        if not value and self.fields[name].required:
            raise FieldError(name, _("this field is required"))
        return value or None

    def plain(self, name: str) -> str:
        return self.values.get(name, "").replace("\r\n", "\n").strip()

    def lines(self, name: str) -> list[str]:
        return [line.strip() for line in self.plain(name).split("\n") if line.strip()]

    def date(self, name: str) -> str | None:
        value = self.text(name)
        if value is not None:
            try:
                parse_date(value)
            except DomainError as error:
                raise FieldError(name, "%(error)s", error=str(error)) from None
        return value

    def number(self, name: str, kind: type[int] | type[float] = int) -> Any:
        value = self.text(name)
        if value is None:
            return None
        try:
            return kind(value.replace(",", ".") if kind is float else value)
        except ValueError:
            raise FieldError(name, _("%(value)r is not a number"), value=value) from None

    def code(self, name: str, kind: RecordKind | None = None, value: str | None = None) -> Any:
        value = self.text(name) if value is None else value
        if value is None:
            return None
        try:
            target = kind or self.fields[name].code_kind
            if target is None:
                return normalise_code(value)
            return require_kind(value, target, self.fields[name].label.lower())
        except DomainError as error:
            raise FieldError(name, "%(error)s", error=str(error)) from None

    def codes(self, name: str) -> list[str]:
        parts = [p for p in self.plain(name).replace("\n", ",").split(",") if p.strip()]
        return [self.code(name, value=p.strip()) for p in parts]

    def term(self, name: str, value: str | None = None, vocabulary: str | None = None) -> Any:
        value = self.text(name) if value is None else value
        if value is None:
            return None
        ident = vocabulary or self.fields[name].vocabulary or ""
        return _term(self.vocabularies[ident], name, value)

    def terms(self, name: str) -> list[str]:
        parts = [p.strip() for p in self.plain(name).replace("\n", ",").split(",") if p.strip()]
        return [self.term(name, p) for p in parts]

    def choice(self, name: str) -> str:
        value = self.values.get(name, "").strip()
        choices = self.fields[name].choices
        if value not in choices:
            raise FieldError(
                name, _("choose one of: %(choices)s"), choices=", ".join(choices)
            ) from None
        return value


def _term(vocabulary: Vocabulary, name: str, value: str) -> str:
    """The code of a term typed as its code or as its exact label in any language."""
    if value in vocabulary:
        return value
    folded = value.casefold()
    for term in vocabulary:
        if term.code == folded or folded in (label.casefold() for label in term.labels.values()):
            return term.code
    hint = ", ".join(vocabulary.suggest(value))
    if hint:
        raise FieldError(
            name, _("%(value)r is not a known term; did you mean %(hint)s?"), value=value, hint=hint
        )
    raise FieldError(name, _("%(value)r is not a known term"), value=value)


def _names(read: _Reader, name: str) -> dict[str, str]:
    names = {}
    for line in read.lines(name):
        language, sep, text = line.partition("=")
        if not sep or not language.strip() or not text.strip():
            raise FieldError(name, _("write one LANGUAGE=NAME per line, e.g. ru=Аргун"))
        names[language.strip()] = text.strip()
    return names


def _source(read: _Reader) -> dict[str, Any]:
    return {
        "kind": read.term("kind"),
        "title": read.text("title"),
        "publisher": read.code("publisher"),
        "author": read.text("author"),
        "language": read.text("language"),
        "published_on": read.date("published_on"),
        "url": read.text("url"),
        "reliability": read.term("reliability"),
        "credibility": read.term("credibility"),
        "access_level": read.choice("access_level"),
        "content": read.plain("content") or None,
    }


def _count(read: _Reader) -> dict[str, Any] | None:
    quantity = read.term("quantity")
    given = [n for n in ("value", "low", "high", "as_of", "period", "place") if read.text(n)]
    if quantity is None:
        if given:
            raise FieldError("quantity", _("a count needs to say what was counted"))
        return None
    qualifier = read.choice("qualifier")
    if qualifier == Qualifier.RANGE.value:
        low, high = read.number("low"), read.number("high")
        if low is None or high is None:
            raise FieldError(
                "low" if low is None else "high", _("a range needs a low and a high value")
            )
        if low > high:
            raise FieldError("high", _("the high end is below the low end"))
        if read.text("value"):
            raise FieldError("value", _("a range takes a low and a high value, not a value"))
    else:
        low = high = read.number("value")
        if low is None:
            raise FieldError("value", _("a count needs its number"))
        if read.text("low") or read.text("high"):
            raise FieldError("low", _("low and high are for the qualifier “range” only"))
    if low < 0:
        raise FieldError("value" if read.text("value") else "low", _("a count cannot be negative"))
    as_of = read.date("as_of")
    if as_of is None:
        raise FieldError("as_of", _("a count needs the date it was true as of"))
    return {
        "quantity": quantity,
        "value": {"qualifier": qualifier, "low": low, "high": high},
        "as_of": as_of,
        "period": read.date("period"),
        "place": read.code("place"),
    }


def _claim(read: _Reader) -> dict[str, Any]:
    start = read.number("excerpt_start")
    if start is not None and start < 0:
        start = None
    excerpt = read.values.get("excerpt", "").replace("\r\n", "\n")
    return {
        "source": read.code("source"),
        "excerpt": excerpt if excerpt.strip() else "",
        "excerpt_start": start if excerpt.strip() else None,
        "attributed_to": read.text("attributed_to"),
        "supports": read.codes("supports"),
        "count": _count(read),
        "superseded_by": read.code("superseded_by"),
    }


def _incident(read: _Reader) -> dict[str, Any]:
    related = []
    for line in read.lines("related"):
        parts = line.replace(":", " ").split()
        if len(parts) != 2:
            raise FieldError("related", _("write one relation and incident code per line"))
        related.append(
            {
                "relation": read.term("related", parts[0], "incident-relation"),
                "incident": read.code("related", RecordKind.INCIDENT, parts[1]),
            }
        )
    places = read.codes("places")
    return {
        "title": read.text("title"),
        "period": read.date("period"),
        "places": places,
        "description": read.plain("description"),
        "status": read.term("status") or "alleged",
        "part_of": read.code("part_of"),
        "related": related,
    }


def _perpetrator(read: _Reader, line: str) -> dict[str, Any]:
    parts = line.replace(":", " ").split()
    if not 2 <= len(parts) <= 3:
        raise FieldError(
            "perpetrators", _("write a code, an involvement and optionally a type per line")
        )
    code = read.code("perpetrators", None, parts[0])
    if not code.startswith(("P-", "O-")):
        raise FieldError("perpetrators", _("%(code)s is not a person or organisation"), code=code)
    kind = "person" if code.startswith("P-") else "organisation"
    return {
        "involvement": read.term("perpetrators", parts[1], "involvement"),
        "person": code if kind == "person" else None,
        "organisation": code if kind == "organisation" else None,
        "perpetrator_type": (
            read.term("perpetrators", parts[2], "perpetrator-type") if len(parts) == 3 else None
        ),
    }


def _group_count(read: _Reader) -> dict[str, Any] | None:
    text = read.text("victim_count")
    if text is None:
        return None
    qualifier = read.choice("victim_qualifier")
    if qualifier == Qualifier.RANGE.value:
        low_text, sep, high_text = text.replace("–", "-").partition("-")
        if not sep or not low_text.strip().isdigit() or not high_text.strip().isdigit():
            raise FieldError("victim_count", _("a range is written low-high, e.g. 20-40"))
        low, high = int(low_text), int(high_text)
        if low > high:
            raise FieldError("victim_count", _("the high end is below the low end"))
    else:
        low = high = read.number("victim_count")
        if low < 0:
            raise FieldError("victim_count", _("a count cannot be negative"))
    return {"qualifier": qualifier, "low": low, "high": high}


def _act(read: _Reader) -> dict[str, Any]:
    person = read.code("victim_person")
    count = _group_count(read)
    if person is None and count is None:
        raise FieldError(
            "victim_person", _("name the victim, or give the number of victims in a group")
        )
    if person is not None and count is not None:
        raise FieldError("victim_count", _("the victim is either a person or a group, not both"))
    group = None
    if count is not None:
        group = {"count": count, "description": read.plain("victim_description")}
    return {
        "incident": read.code("incident"),
        "type": read.term("type"),
        "victim_person": person,
        "victim_group": group,
        "perpetrators": [_perpetrator(read, line) for line in read.lines("perpetrators")],
        "methods": read.terms("methods"),
        "place": read.code("place"),
        "period": read.date("period"),
        "victim_status": read.term("victim_status"),
        "legal": read.terms("legal"),
    }


def _person(read: _Reader) -> dict[str, Any]:
    consents = []
    for line in read.lines("consents"):
        parts = line.replace(":", " ", 1).split()
        if len(parts) not in (2, 3):
            raise FieldError("consents", _("write one use and its date per line"))
        for date in parts[1:]:
            try:
                parse_date(date)
            except DomainError as error:
                raise FieldError("consents", "%(error)s", error=str(error)) from None
        consents.append(
            {
                "use": read.term("consents", parts[0], "consent-use"),
                "given_on": parts[1],
                "revoked_on": parts[2] if len(parts) == 3 else None,
            }
        )
    birth_date = read.text("birth_date")
    if birth_date is not None:
        try:
            parse_date(birth_date)
        except DomainError:
            # the error names the field but never repeats what was typed in a sealed field
            message = _("this is not an EDTF date, e.g. 1990 or 1990-05")
            raise FieldError("birth_date", message) from None
    identity = {
        "names": read.lines("names"),
        "aliases": read.lines("aliases"),
        "birth_date": birth_date,
        "contacts": read.lines("contacts"),
        "documents": read.lines("documents"),
    }
    return {
        "description": read.plain("description"),
        "sex": read.term("sex"),
        "gender_identity": read.term("gender_identity"),
        "sexual_orientation": read.term("sexual_orientation"),
        "consents": consents,
        "identity": identity if any(identity.values()) else None,
    }


def _place(read: _Reader) -> dict[str, Any]:
    lat, lon = read.number("lat", float), read.number("lon", float)
    if (lat is None) != (lon is None):
        raise FieldError("lon" if lon is None else "lat", _("give both latitude and longitude"))
    if lat is not None and not -90 <= lat <= 90:
        raise FieldError("lat", _("latitude is between -90 and 90"))
    if lon is not None and not -180 <= lon <= 180:
        raise FieldError("lon", _("longitude is between -180 and 180"))
    return {
        "name": read.text("name"),
        "kind": read.term("kind"),
        "names": _names(read, "names"),
        "parent": read.code("parent"),
        "lat": lat,
        "lon": lon,
    }


def _organisation(read: _Reader) -> dict[str, Any]:
    return {
        "name": read.text("name"),
        "kind": read.term("kind"),
        "names": _names(read, "names"),
        "parent": read.code("parent"),
    }


_READERS: dict[RecordKind, Callable[[_Reader], dict[str, Any]]] = {
    RecordKind.SOURCE: _source,
    RecordKind.CLAIM: _claim,
    RecordKind.INCIDENT: _incident,
    RecordKind.ACT: _act,
    RecordKind.PERSON: _person,
    RecordKind.PLACE: _place,
    RecordKind.ORGANISATION: _organisation,
}


def read_form(
    kind: RecordKind, values: Mapping[str, str], vocabularies: Vocabularies
) -> dict[str, Any]:
    """Return the record's dictionary (without its code) from the typed text, or FieldError."""
    return _READERS[kind](_Reader(kind, values, vocabularies))


# -- filling a form -----------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def form_values(kind: RecordKind, data: Mapping[str, Any]) -> dict[str, str]:
    """The text to prefill a form with, from a record's dictionary; never the sealed identity."""
    values = {
        name: ", ".join(map(str, data[name])) if isinstance(data.get(name), list) else ""
        for name in fields_of(kind)
    }
    for name in fields_of(kind):
        if not isinstance(data.get(name), list | dict):
            values[name] = _text(data.get(name))
    if kind in (RecordKind.PLACE, RecordKind.ORGANISATION):
        values["names"] = "\n".join(f"{k}={v}" for k, v in (data.get("names") or {}).items())
    elif kind is RecordKind.CLAIM:
        count = data.get("count")
        if count:
            value = count["value"]
            single = value["qualifier"] != Qualifier.RANGE.value
            values.update(
                quantity=count["quantity"],
                qualifier=value["qualifier"],
                value=_text(value["low"]) if single else "",
                low="" if single else _text(value["low"]),
                high="" if single else _text(value["high"]),
                as_of=_text(count.get("as_of")),
                period=_text(count.get("period")),
                place=_text(count.get("place")),
            )
        else:
            values["qualifier"] = "exact"
    elif kind is RecordKind.INCIDENT:
        values["related"] = "\n".join(
            f"{r['relation']} {r['incident']}" for r in data.get("related") or []
        )
    elif kind is RecordKind.ACT:
        group = data.get("victim_group")
        values["victim_qualifier"] = "exact"
        if group:
            low, high = group["count"]["low"], group["count"]["high"]
            values.update(
                victim_count=f"{low}-{high}" if low != high else _text(low),
                victim_qualifier=group["count"]["qualifier"],
                victim_description=_text(group.get("description")),
            )
        values["perpetrators"] = "\n".join(
            " ".join(
                part
                for part in (
                    p.get("person") or p.get("organisation"),
                    p["involvement"],
                    p.get("perpetrator_type"),
                )
                if part
            )
            for p in data.get("perpetrators") or []
        )
    elif kind is RecordKind.PERSON:
        values["consents"] = "\n".join(
            " ".join(filter(None, (c["use"], c["given_on"], c.get("revoked_on"))))
            for c in data.get("consents") or []
        )
        for name in IDENTITY_FIELDS:
            values[name] = ""  # the sealed identity is never written back into a page
    return values
