"""The walk entry and the symptom check-in: the JSON interchange contract.

A document is ``{"entries": [...]}``; each entry is a walk or a check-in with a
client-chosen UUID ``id``. The API, imports and ``diary assess`` all read and
write this format through the models below, and ``docs/entry.schema.json`` is
generated from them (``diary schema``), so the contract is written once.

Validation that depends on the clock (a time not more than 24 h in the future)
reads ``now`` from the pydantic validation context; with no ``now`` in the
context the check is skipped, as ``diary assess`` does for historic files.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from diary import text

MAX_DISTANCE_M = 100_000
MAX_RELIEF_MINUTES = 720
MAX_FUTURE = timedelta(hours=24)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
MAX_NOTE_CHARS = 2000
MAX_WOUND_DAYS = 3650
MAX_DURATION_MIN = 1440


class Relief(StrEnum):
    stood_still = "stood_still"
    sat_down = "sat_down"
    bent_forward = "bent_forward"
    lay_down = "lay_down"
    not_relieved = "not_relieved"
    no_pain = "no_pain"


class PainSite(StrEnum):
    foot = "foot"
    calf = "calf"
    thigh = "thigh"
    buttock = "buttock"


class Side(StrEnum):
    left = "left"
    right = "right"
    both = "both"


class Sensation(StrEnum):
    cramping = "cramping"
    aching = "aching"
    burning = "burning"
    numbness = "numbness"
    tingling = "tingling"
    weakness = "weakness"
    tightness = "tightness"


class Terrain(StrEnum):
    flat = "flat"
    uphill = "uphill"
    downhill = "downhill"
    stairs = "stairs"
    mixed = "mixed"


class Source(StrEnum):
    manual = "manual"
    gps = "gps"


class ColourChange(StrEnum):
    pale = "pale"
    blue = "blue"
    black = "black"


# The validation context of an entry read back from the database: it was checked
# when it was saved, and the times it was checked against have since moved on.
STORED = {"stored": True}


def _not_in_future(value: datetime, info: ValidationInfo) -> datetime:
    if info.context is STORED:
        return value
    # Outside these years a time is a typo, and near the ends of Python's range
    # turning it into UTC or a clinic's zone overflows.
    if not EARLIEST <= value < LATEST:
        raise ValueError(f"must be between the years {EARLIEST.year} and {LATEST.year - 1}")
    now = (info.context or {}).get("now")
    if now is not None and value - now > MAX_FUTURE:
        raise ValueError("must not be more than 24 hours in the future")
    return value


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


class _EntryBase(BaseModel):
    # Unknown keys are ignored so that a file carrying extra annotations still
    # reads; every known key is checked strictly for type and range.
    model_config = ConfigDict(extra="ignore", use_enum_values=False)

    id: uuid.UUID = Field(description="Client-chosen UUID; PUT with the same id replaces, never duplicates.")
    note: str = Field(default="", max_length=MAX_NOTE_CHARS, description="Free text from the patient.")

    @field_validator("note", mode="before")
    @classmethod
    def _plain_note(cls, value: Any, info: ValidationInfo) -> Any:
        # Line breaks as LF, no other control character (diary.text); a stored note was checked when saved.
        if not isinstance(value, str) or info.context is STORED:
            return value
        return text.clean(value, "note", max_chars=MAX_NOTE_CHARS, multiline=True, strip=False)


class Walk(_EntryBase):
    """One walk, logged by the patient right after it."""

    type: Literal["walk"] = "walk"
    walked_at: AwareDatetime = Field(description="When the walk started, ISO 8601 with a UTC offset.")
    distance_m: float = Field(ge=0, le=MAX_DISTANCE_M, description="Total distance walked, metres.")
    pain_onset_m: float | None = Field(
        default=None, ge=0, le=MAX_DISTANCE_M,
        description="Distance at which pain began, metres (pain-free walking distance); null = no pain.",
    )
    stopped_by_pain: bool = Field(default=False, description="Pain made the patient stop (maximum walking distance reached).")
    relief: Relief | None = Field(default=None, description="What relieved the pain.")
    relief_minutes: float | None = Field(default=None, ge=0, le=MAX_RELIEF_MINUTES, description="Minutes until the pain eased.")
    pain_sites: list[PainSite] = Field(default_factory=list, description="Where it hurt.")
    side: Side | None = Field(default=None, description="Which leg.")
    sensations: list[Sensation] = Field(default_factory=list, description="What the pain felt like.")
    terrain: Terrain = Field(default=Terrain.flat)
    pain_score: int | None = Field(default=None, ge=0, le=10, description="Worst pain on the walk, 0-10 numeric rating.")
    source: Source = Field(default=Source.manual, description="manual, or gps when the phone measured the walk.")
    duration_min: float | None = Field(default=None, ge=0, le=MAX_DURATION_MIN, description="Minutes walked, as the patient gave them.")
    pain_onset_min: float | None = Field(default=None, ge=0, le=MAX_DURATION_MIN, description="Minutes until pain began, as given.")
    distance_estimated: bool = Field(default=False, description="Distances were estimated from minutes walked.")

    _check_time = field_validator("walked_at")(_not_in_future)
    _dedupe = field_validator("pain_sites", "sensations")(_unique)

    # Field validators (not a model validator) so that a bad onset is reported
    # together with any other bad field, not only once the rest is right.
    @field_validator("pain_onset_m")
    @classmethod
    def _onset_within_distance(cls, value: float | None, info: ValidationInfo) -> float | None:
        distance = info.data.get("distance_m")
        if value is not None and distance is not None and value > distance:
            raise ValueError("pain cannot begin beyond the total distance walked")
        return value

    @field_validator("pain_onset_min")
    @classmethod
    def _onset_within_duration(cls, value: float | None, info: ValidationInfo) -> float | None:
        duration = info.data.get("duration_min")
        if value is not None and duration is not None and value > duration:
            raise ValueError("pain cannot begin after the walk ended")
        return value

    @property
    def occurred_at(self) -> datetime:
        return self.walked_at

    @property
    def had_pain(self) -> bool:
        return self.pain_onset_m is not None


class CheckIn(_EntryBase):
    """A symptom check-in: the signs of limb-threatening ischaemia."""

    type: Literal["check_in"] = "check_in"
    recorded_at: AwareDatetime = Field(description="When the check-in was made, ISO 8601 with a UTC offset.")
    rest_pain: bool = Field(default=False, description="Pain in the leg or foot while resting.")
    rest_pain_at_night: bool = Field(default=False, description="The rest pain comes at night, lying in bed.")
    eased_by_hanging_leg: bool = Field(default=False, description="Hanging the leg over the side of the bed eases it.")
    wound: bool = Field(default=False, description="A wound or ulcer on the foot or leg.")
    wound_days: int | None = Field(default=None, ge=0, le=MAX_WOUND_DAYS, description="For how many days the wound has been there.")
    colour_change: ColourChange | None = Field(default=None, description="A toe or foot turning pale, blue or black.")
    cold_foot: bool = Field(default=False, description="A foot that feels cold.")
    sudden_onset: bool = Field(
        default=False,
        description="The leg became suddenly painful, pale, cold, numb or weak (possible acute ischaemia).",
    )

    _check_time = field_validator("recorded_at")(_not_in_future)

    @property
    def occurred_at(self) -> datetime:
        return self.recorded_at

    @property
    def danger_signs(self) -> bool:
        """True when the check-in reports anything that needs advice now."""
        return bool(
            self.rest_pain or self.wound or self.colour_change is not None or self.sudden_onset
        )


Entry = Annotated[Union[Walk, CheckIn], Field(discriminator="type")]


class Document(BaseModel):
    """An interchange document: ``{"entries": [...]}``."""

    model_config = ConfigDict(extra="ignore")
    entries: list[Entry]


ENTRY_ADAPTER: TypeAdapter[Walk | CheckIn] = TypeAdapter(Entry)


class EntryError(ValueError):
    """Raised with one message per bad field, each naming the field."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in problems))


def tidy_problem(loc: list[str], message: str, kind: str = "value_error") -> tuple[str, str]:
    """One (field, message) pair a person can read, from a validator's location and message."""
    loc = [p for p in loc if p not in ("walk", "check_in", "root", "body")]
    message = message.removeprefix("Value error, ")
    if kind in ("union_tag_invalid", "union_tag_not_found") or message.startswith("Input tag"):
        return "type", "must be 'walk' or 'check_in'"
    # A cross-field rule names its field at the start of its message.
    if not loc and ":" in message and message.split(":", 1)[0].isidentifier():
        field, _, message = message.partition(":")
        return field.strip(), message.strip()
    return ".".join(loc) or "entry", message


def problems_from(error: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    """Turn a pydantic error into (field, message) pairs a person can read."""
    out = []
    for err in error.errors(include_url=False):
        field, message = tidy_problem([str(p) for p in err["loc"]], err["msg"], err["type"])
        out.append((prefix + field, message))
    return out


def parse_entry(data: Any, now: datetime | None = None) -> Walk | CheckIn:
    """Validate one entry (a dict), raising EntryError naming each bad field."""
    try:
        return ENTRY_ADAPTER.validate_python(data, context={"now": now})
    except ValidationError as exc:
        raise EntryError(problems_from(exc)) from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        twice = sorted(key for key, count in Counter(key for key, _ in pairs).items() if count > 1)
        raise ValueError(f"the key {', '.join(map(repr, twice[:5]))} appears more than once")
    return found


def read_json(raw: str | bytes, what: str = "document") -> Any:
    """JSON as the interchange format accepts it: UTF-8, no key twice, no NaN or Infinity.

    A key given twice is refused rather than guessed at (parsers disagree on
    which one wins), and nesting too deep for the parser is bad input, not a crash.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return json.loads(text, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant)
    except RecursionError:
        raise EntryError([(what, "not valid JSON (nested too deeply)")]) from None
    except ValueError as exc:  # also JSONDecodeError, UnicodeDecodeError, integers too long to read
        raise EntryError([(what, f"not valid JSON ({exc})")]) from None


def parse_document(raw: str | bytes, now: datetime | None = None) -> list[Walk | CheckIn]:
    """Parse an interchange document; errors name the entry (index and id) and field."""
    data = read_json(raw)
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise EntryError([("document", 'expected an object {"entries": [...]}')])
    entries: list[Walk | CheckIn] = []
    problems: list[tuple[str, str]] = []
    for index, item in enumerate(data["entries"]):
        label = f"entries[{index}]"
        if isinstance(item, dict) and item.get("id") is not None:
            label += f" (id {item['id']})"
        try:
            entries.append(parse_entry(item, now=now))
        except EntryError as exc:
            problems.extend((f"{label}.{f}", m) for f, m in exc.problems)
    if problems:
        raise EntryError(problems)
    seen: set[uuid.UUID] = set()
    for entry in entries:
        if entry.id in seen:
            raise EntryError([("document", f"entry id {entry.id} appears more than once")])
        seen.add(entry.id)
    return entries


def dump_entry(entry: Walk | CheckIn) -> dict[str, Any]:
    return entry.model_dump(mode="json")


def json_schema() -> dict[str, Any]:
    """The JSON Schema of an interchange document, generated from the models."""
    schema = Document.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Walking Diary interchange document"
    return schema
