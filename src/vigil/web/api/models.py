"""The API's request and response bodies: what the OpenAPI description promises."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["source", "claim", "incident", "act", "person", "organisation", "place"]


class ErrorOut(BaseModel):
    error: str = Field(description="What went wrong, in words.")


class RecordOut(BaseModel):
    """A record with its public fields; a sealed part only when revealed on request."""

    code: str
    kind: Kind
    version: int
    compartment: str
    sealed: Literal["none", "sealed", "revealed"] = Field(
        description='"sealed" when the record has a sealed part (identity, testimony), which is '
        'left out; "revealed" when it was opened on request (`reveal=true`) and is included'
    )
    fields: dict[str, Any] = Field(description="The record's public fields, dates as EDTF text.")


class RecordPage(BaseModel):
    records: list[RecordOut]
    limit: int
    offset: int


class RecordCreate(BaseModel):
    """A new record: its kind, compartment and fields (as in `vigil add --json`)."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    compartment: str = Field("default", min_length=1, max_length=64)
    fields: dict[str, Any] = Field(
        description="The record's fields without its code; sealed fields (a person's "
        "identity, a testimony's text) are sealed on arrival and never returned."
    )


class RecordPatch(BaseModel):
    """Fields to change in a new version of a record."""

    model_config = ConfigDict(extra="forbid")

    changes: dict[str, str | int | float | bool | list[Any] | dict[str, Any] | None] = Field(
        min_length=1,
        description="Field name to new value; a string is taken as typed on the command line "
        '(`vigil edit --set`), other JSON values as they are; "" or null clears a field.',
    )
    note: str | None = Field(None, max_length=500, description="Why the record changed.")


class Created(BaseModel):
    code: str
    version: int


class Edited(BaseModel):
    code: str
    version: int


class CountValueOut(BaseModel):
    qualifier: str
    low: int
    high: int


class CountLineOut(BaseModel):
    claim: str
    source: str
    source_title: str | None = Field(description="None when the source is not readable.")
    value: CountValueOut
    as_of: str
    period: str | None
    place: str | None
    current: bool


class YearCount(BaseModel):
    year: int
    incidents: int


class OverviewOut(BaseModel):
    records: dict[str, int] = Field(description="How many current records of each kind.")
    incidents_per_year: list[YearCount]
    counts: dict[str, list[CountLineOut]] = Field(
        description="Per quantity, every count claim side by side, latest first."
    )


class TermOut(BaseModel):
    code: str
    labels: dict[str, str]
    parent: str | None
    notes: dict[str, str]


class VocabularyOut(BaseModel):
    name: str
    titles: dict[str, str]
    terms: list[TermOut]


class PersonQuery(BaseModel):
    """A name to look for, sent in the body so that it stays out of addresses and logs."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    limit: int = Field(10, ge=1, le=200)
    reveal: bool = Field(
        False, description="Return the matches' names (a token made with reveal; audited)."
    )


class PersonMatchOut(BaseModel):
    code: str
    compartment: str
    score: float = Field(description="1.0 when every word matches exactly; by sound counts half.")
    exact: int
    phonetic: int
    names: list[str] = Field(description="Only when revealed.")


class PersonMatches(BaseModel):
    matches: list[PersonMatchOut]
    checked: int
    complete: bool = Field(description="False when more candidates were left than were checked.")
