"""The fields of the record forms, per kind: what a documenter fills, grouped in sections.

Labels and help are English source text marked for translation; pages translate them when
they render them.
"""

from dataclasses import dataclass

from vigil.domain.codes import RecordKind
from vigil.domain.counts import Qualifier
from vigil.domain.records import ACCESS_LEVELS
from vigil.web.i18n import N_ as _

QUALIFIERS = tuple(q.value for q in Qualifier)

# Labels of the values of select fields.
CHOICE_LABELS = {
    "public": _("public"),
    "restricted": _("restricted"),
    "confidential": _("confidential"),
    "exact": _("exactly"),
    "at-least": _("at least"),
    "more-than": _("more than"),
    "about": _("about"),
    "up-to": _("up to"),
    "range": _("range (low–high)"),
}

# The fields that a record of each kind may hold sealed; never prefilled on the edit form.
SEALABLE = {
    RecordKind.PERSON: "identity",
    RecordKind.SOURCE: "content",
    RecordKind.CLAIM: "excerpt",
}

# The fields of the sealed identity section: never echoed back into a page, even on an error.
IDENTITY_FIELDS = ("names", "aliases", "birth_date", "contacts", "documents")

DATE_HELP = _(
    "EDTF date: 2017-03-16 (a day), 2017-03 (a month), 2017 (a year), 2018-12~ (about), "
    "2017? (uncertain), 2017-03-16/2017-03-28 (between), ../2017-04-01 (up to). "
    "Never invent a day the source does not give."
)


@dataclass(frozen=True, slots=True)
class Field:
    """One input of a form.

    ``widget`` is one of: text, textarea, date, number, vocab, vocabs (several terms, comma
    separated), code, codes (several codes), select, lines (one item per line), hidden.
    """

    name: str
    label: str
    widget: str = "text"
    help: str = ""
    required: bool = False
    vocabulary: str | None = None
    choices: tuple[str, ...] = ()
    code_kind: RecordKind | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """A group of fields shown together, with a title and a word of explanation."""

    title: str
    fields: tuple[Field, ...]
    help: str = ""
    sealed: bool = False


def _date(name: str, label: str, required: bool = False) -> Field:
    return Field(name, label, "date", DATE_HELP, required=required)


def _vocab(name: str, label: str, vocabulary: str, required: bool = False, help: str = "") -> Field:
    return Field(name, label, "vocab", help, required=required, vocabulary=vocabulary)


def _code(name: str, label: str, kind: RecordKind, required: bool = False) -> Field:
    return Field(name, label, "code", required=required, code_kind=kind)


SOURCE_FORM = (
    Section(
        _("Source"),
        (
            _vocab("kind", _("Kind"), "source-kind", required=True),
            Field("title", _("Title"), required=True),
            _code("publisher", _("Publisher"), RecordKind.ORGANISATION),
            Field("author", _("Author")),
            Field("language", _("Language"), help=_("Language code, e.g. ru, en.")),
            _date("published_on", _("Published on")),
            Field("url", _("Address (URL)")),
            _vocab("reliability", _("Reliability of the source (A–F)"), "reliability"),
            _vocab("credibility", _("Credibility of the information (1–6)"), "credibility"),
            Field("access_level", _("Access level"), "select", choices=ACCESS_LEVELS),
            Field(
                "content",
                _("Text"),
                "textarea",
                _(
                    "The source's text, from which claims quote their excerpts. "
                    "The text of a testimony is sealed."
                ),
            ),
        ),
    ),
)

CLAIM_FORM = (
    Section(
        _("Claim"),
        (
            _code("source", _("Source"), RecordKind.SOURCE, required=True),
            Field(
                "excerpt",
                _("Excerpt"),
                "textarea",
                _(
                    "The source's own words, exactly as in its text: select them in the text "
                    "shown above, or paste them; Vigil finds where they stand."
                ),
            ),
            Field("excerpt_start", _("Position of the excerpt"), "hidden"),
            Field(
                "attributed_to",
                _("Attributed to"),
                help=_("Whom the source quotes, e.g. “according to HRW”."),
            ),
            Field(
                "supports",
                _("Supports"),
                "codes",
                _("Codes of the records this claim supports, separated by commas."),
            ),
            _code("superseded_by", _("Superseded by"), RecordKind.CLAIM),
        ),
    ),
    Section(
        _("Count"),
        (
            _vocab("quantity", _("What was counted"), "quantity"),
            Field(
                "qualifier",
                _("Qualifier"),
                "select",
                _("How the source qualified its number; “range” takes a low and a high value."),
                choices=QUALIFIERS,
            ),
            Field("value", _("Value"), "number", _("The number, for every qualifier but range.")),
            Field("low", _("Low end of the range"), "number"),
            Field("high", _("High end of the range"), "number"),
            _date("as_of", _("As of")),
            _date("period", _("Period counted")),
            _code("place", _("Place counted"), RecordKind.PLACE),
        ),
        _(
            "Only for a claim that gives a number: what was counted, the number as the source "
            "qualified it, and the date it was true as of (required for a count)."
        ),
    ),
)

INCIDENT_FORM = (
    Section(
        _("Incident"),
        (
            Field("title", _("Title"), required=True),
            _date("period", _("Period")),
            Field(
                "places",
                _("Places"),
                "codes",
                _("Codes of places (L-…), separated by commas."),
                code_kind=RecordKind.PLACE,
            ),
            Field("description", _("Description"), "textarea"),
            _vocab("status", _("Status"), "incident-status"),
            _code("part_of", _("Part of"), RecordKind.INCIDENT),
            Field(
                "related",
                _("Related incidents"),
                "lines",
                _("One per line: a relation and an incident code, e.g. “precedes I-7KQ2XM”."),
            ),
        ),
    ),
)

ACT_FORM = (
    Section(
        _("Act"),
        (
            _code("incident", _("Incident"), RecordKind.INCIDENT, required=True),
            _vocab("type", _("Type of violation"), "act-type", required=True),
            _code("place", _("Place"), RecordKind.PLACE),
            _date("period", _("Period")),
            Field(
                "methods",
                _("Methods"),
                "vocabs",
                _("Terms separated by commas."),
                vocabulary="method",
            ),
            _vocab("victim_status", _("Victim's status after the act"), "victim-status"),
            Field(
                "legal",
                _("Legal qualification"),
                "vocabs",
                _("Articles separated by commas, e.g. echr-3."),
                vocabulary="legal-article",
            ),
            Field(
                "perpetrators",
                _("Perpetrators"),
                "lines",
                _(
                    "One per line: a person or organisation code, its involvement and optionally "
                    "its type, e.g. “O-4F2K9A ordered police”."
                ),
            ),
        ),
    ),
    Section(
        _("Victim"),
        (
            _code("victim_person", _("Victim (a person)"), RecordKind.PERSON),
            Field(
                "victim_count",
                _("Or a group: how many"),
                "number",
                _("A number; for the qualifier “range”, its low and high ends, e.g. 20-40."),
            ),
            Field("victim_qualifier", _("Qualifier of the number"), "select", choices=QUALIFIERS),
            Field("victim_description", _("Who the group was")),
        ),
        _("Name a person, or give a group with a count; not both."),
    ),
)

PERSON_FORM = (
    Section(
        _("Person"),
        (
            Field(
                "description",
                _("Description"),
                "textarea",
                _("Public and non-identifying: never a name, a date of birth or a contact."),
            ),
            _vocab("sex", _("Sex (self-described)"), "sex"),
            _vocab("gender_identity", _("Gender identity (self-described)"), "gender-identity"),
            _vocab(
                "sexual_orientation",
                _("Sexual orientation (self-described)"),
                "sexual-orientation",
            ),
            Field(
                "consents",
                _("Consents"),
                "lines",
                _(
                    "One per line: a use, the EDTF date it was given and, if it was revoked, the "
                    "date of that, e.g. “internal 2017-06” or “publication 2017-06 2019-01”."
                ),
            ),
        ),
        _(
            "The person is known everywhere by a pseudonym code (P-…) given when the record is "
            "saved. Never guess sex, gender identity or orientation: leave them empty."
        ),
    ),
    Section(
        _("Sealed identity"),
        (
            Field("names", _("Names"), "lines", _("One per line, in any script.")),
            Field("aliases", _("Aliases"), "lines", _("One per line.")),
            _date("birth_date", _("Date of birth")),
            Field("contacts", _("Contacts"), "lines", _("One per line.")),
            Field("documents", _("Document numbers"), "lines", _("One per line.")),
        ),
        _(
            "Optional. Sealed before it reaches the database and never shown on a page unless a "
            "member reveals it on purpose. When editing, it is not shown: leave it empty to keep "
            "it; anything typed here replaces the whole sealed identity."
        ),
        sealed=True,
    ),
)

NAMES_HELP = _("Other names, one per line: a language code, “=” and the name, e.g. “ru=Аргун”.")

PLACE_FORM = (
    Section(
        _("Place"),
        (
            Field("name", _("Name"), required=True),
            _vocab("kind", _("Kind"), "place-kind", required=True),
            _code("parent", _("Within"), RecordKind.PLACE),
            Field("names", _("Names in other languages"), "lines", NAMES_HELP),
            Field("lat", _("Latitude"), "number", _("Give both, or neither.")),
            Field("lon", _("Longitude"), "number"),
        ),
    ),
)

ORGANISATION_FORM = (
    Section(
        _("Organisation"),
        (
            Field("name", _("Name"), required=True),
            _vocab("kind", _("Kind"), "organisation-kind", required=True),
            _code("parent", _("Part of"), RecordKind.ORGANISATION),
            Field("names", _("Names in other languages"), "lines", NAMES_HELP),
        ),
    ),
)

FORMS: dict[RecordKind, tuple[Section, ...]] = {
    RecordKind.SOURCE: SOURCE_FORM,
    RecordKind.CLAIM: CLAIM_FORM,
    RecordKind.INCIDENT: INCIDENT_FORM,
    RecordKind.ACT: ACT_FORM,
    RecordKind.PERSON: PERSON_FORM,
    RecordKind.PLACE: PLACE_FORM,
    RecordKind.ORGANISATION: ORGANISATION_FORM,
}

TITLES = {
    RecordKind.SOURCE: _("New source"),
    RecordKind.CLAIM: _("New claim"),
    RecordKind.INCIDENT: _("New incident"),
    RecordKind.ACT: _("New act"),
    RecordKind.PERSON: _("New person"),
    RecordKind.PLACE: _("New place"),
    RecordKind.ORGANISATION: _("New organisation"),
}

DEFAULTS = {
    RecordKind.SOURCE: {"access_level": "public"},
    RecordKind.CLAIM: {"qualifier": "exact"},
    RecordKind.INCIDENT: {"status": "alleged"},
    RecordKind.ACT: {"victim_qualifier": "exact"},
}


def fields_of(kind: RecordKind) -> dict[str, Field]:
    return {f.name: f for section in FORMS[kind] for f in section.fields}


def field_of_error(kind: RecordKind, message: str) -> str | None:
    """The form field a service's error message is about, when its prefix names one."""
    prefix = message.partition(":")[0].strip().lower()
    names = fields_of(kind)
    words = prefix.replace(".", " ").replace("_", " ").split()
    for candidate in (prefix, prefix.replace(" ", "_"), *reversed(words)):
        if candidate in names:
            return candidate
    aliases = {"count": "quantity", "involvement": "perpetrators", "relation": "related"}
    for word in words:
        if word in aliases and aliases[word] in names:
            return aliases[word]
    return None
