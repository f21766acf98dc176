"""The walk entry and the symptom check-in: the JSON interchange contract.

A document is ``{"entries": [...]}``; each entry is a walk or a check-in with a
client-chosen UUID ``id``. A document may also carry a ``patient`` object, what
is known about the patient beside the entries (``{"patient": {"diabetes":
true}, "entries": [...]}``); the API reads entries one by one and ignores it.

Null means "not asked", never "no": a question left unanswered never clears a
sign. ``received_at`` is when the server received an entry: the server sets it
and ignores a client's value. The API, imports and ``diary assess`` all read and
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
from dataclasses import dataclass
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
MAX_CLOCK_OFFSET_S = 100 * 366 * 24 * 3600  # a phone reset to 1970 is about 56 years out


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
    """The colour of a toe or part of the foot now ("none": the patient says none is pale, blue or black)."""

    none = "none"
    pale = "pale"
    blue = "blue"
    black = "black"


class InfectionSign(StrEnum):
    spreading_redness = "spreading_redness"
    swelling = "swelling"
    warmth = "warmth"
    pus = "pus"
    smell = "smell"
    fever = "fever"  # a fever, or feeling unwell


class HeartSymptom(StrEnum):
    chest_pain = "chest_pain"      # pain, pressure or tightness in the chest
    breathless = "breathless"      # much more out of breath than usual
    palpitations = "palpitations"  # heart racing, pounding or fluttering
    faint = "faint"                # feeling faint or dizzy, or fainting


class CaudaEquinaSign(StrEnum):
    saddle_numbness = "saddle_numbness"  # numbness around the back passage or genitals
    bladder_bowel = "bladder_bowel"      # new trouble passing urine or controlling bladder or bowel
    legs_weaker = "legs_weaker"          # weakness in both legs, getting worse


# The validation context of an entry read back from the database: it was checked
# when it was saved, and the times it was checked against have since moved on.
STORED = {"stored": True}


def corrected(value: datetime, clock_offset_s: int | None) -> datetime:
    """A time the phone's clock gave, put right by how far that clock was out."""
    return value if not clock_offset_s else value + timedelta(seconds=clock_offset_s)


def _not_in_future(value: datetime, info: ValidationInfo) -> datetime:
    if info.context is STORED:
        return value
    # Outside these years a time is a typo, and near the ends of Python's range
    # turning it into UTC or a clinic's zone overflows.
    if not EARLIEST <= value < LATEST:
        raise ValueError(f"must be between the years {EARLIEST.year} and {LATEST.year - 1}")
    # A phone whose clock is out says by how much (clock_offset_s, checked
    # before the time): the entry is judged by the corrected time.
    value_now = corrected(value, info.data.get("clock_offset_s"))
    if not EARLIEST <= value_now < LATEST:
        raise ValueError(f"corrected by clock_offset_s, must be between the years {EARLIEST.year} "
                         f"and {LATEST.year - 1}")
    now = (info.context or {}).get("now")
    if now is not None and value_now - now > MAX_FUTURE:
        raise ValueError("must not be more than 24 hours in the future")
    return value


def _unique(values: list[Any] | None) -> list[Any] | None:
    return None if values is None else list(dict.fromkeys(values))


class _EntryBase(BaseModel):
    # Unknown keys are ignored so that a file carrying extra annotations still
    # reads; every known key is checked strictly for type and range.
    model_config = ConfigDict(extra="ignore", use_enum_values=False)

    id: uuid.UUID = Field(description="Client-chosen UUID; PUT with the same id replaces, never duplicates.")
    note: str = Field(default="", max_length=MAX_NOTE_CHARS, description="Free text from the patient.")
    clock_offset_s: int | None = Field(
        default=None, ge=-MAX_CLOCK_OFFSET_S, le=MAX_CLOCK_OFFSET_S,
        description="Seconds to add to the entry's time to correct the phone's clock, measured by the phone "
                    "against the server's Date header when it was more than 5 minutes out (positive: the "
                    "phone was behind). The entry keeps the phone's own time; the diary and its rules use "
                    "the corrected one. null = not measured.",
    )
    received_at: AwareDatetime | None = Field(
        default=None, json_schema_extra={"readOnly": True},
        description="When the server received the entry. Set by the server; a value sent by a client is ignored.",
    )
    heart_symptoms: list[HeartSymptom] | None = Field(
        default=None,
        description="While walking: chest pain or tightness, much more out of breath than usual, heart racing "
                    "or pounding, feeling faint. [] = none of these; null = not asked.",
    )

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
    _dedupe = field_validator("pain_sites", "sensations", "heart_symptoms")(_unique)

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
    def time(self) -> datetime:
        """The time as the phone gave it."""
        return self.walked_at

    @property
    def occurred_at(self) -> datetime:
        """When it happened: the time corrected for the phone's clock (the rules' time)."""
        return self.walked_at if not self.clock_offset_s else corrected(self.walked_at, self.clock_offset_s)

    @property
    def had_pain(self) -> bool:
        return self.pain_onset_m is not None


class CheckIn(_EntryBase):
    """A symptom check-in: the signs of limb-threatening ischaemia and the other danger signs.

    Every answer is optional and null means "not asked". How the answers are
    read (which count as rest pain, when a wound has healed...) is
    ``diary.signs``, the one reading shared by the advice, the pages, the
    weekly counts and the trend rules.
    """

    type: Literal["check_in"] = "check_in"
    recorded_at: AwareDatetime = Field(description="When the check-in was made, ISO 8601 with a UTC offset.")
    rest_pain: bool | None = Field(default=None, description="Pain in the leg or foot while resting.")
    rest_pain_at_night: bool | None = Field(
        default=None, description="The pain comes at night, lying in bed (read as rest pain even without rest_pain).")
    eased_by_hanging_leg: bool | None = Field(
        default=None,
        description="Hanging the leg over the side of the bed eases it (read as rest pain even without rest_pain).")
    wound: bool | None = Field(default=None, description="A wound, sore or ulcer on the foot or leg now.")
    wound_days: int | None = Field(default=None, ge=0, le=MAX_WOUND_DAYS, description="For how many days the wound has been there.")
    wound_healed: bool | None = Field(
        default=None,
        description="true: the patient says the wound on record has healed. Only this (or a clinician) "
                    "clears a wound; wound false or null does not.")
    infection_signs: list[InfectionSign] | None = Field(
        default=None,
        description="Around a wound or on the foot: spreading redness, swelling, warmth, pus, a bad smell; or "
                    "a fever or feeling unwell. [] = none of these; null = not asked.")
    colour_change: ColourChange | None = Field(
        default=None,
        description="Is any toe or part of the foot pale, blue or black now? \"none\" = no. (Older releases asked "
                    "whether it had changed colour, with null for no change.)")
    colour_healed: bool | None = Field(
        default=None,
        description="true: the patient says the blue or black toe or part of the foot on record has healed. "
                    "Only this (or a clinician) clears it.")
    cold_foot: bool | None = Field(default=None, description="A foot that feels cold.")
    numb_foot: bool | None = Field(default=None, description="A foot that feels numb.")
    sudden_onset: bool | None = Field(
        default=None,
        description="The leg became suddenly painful, pale, cold, numb or weak (possible acute ischaemia).",
    )
    sudden_onset_days_ago: int | None = Field(
        default=None, ge=0, le=MAX_WOUND_DAYS,
        description="How many days before the check-in the sudden change began (0 = the same day); the form "
                    "offers 0, 1, 2 (2-6 days), 7 (1-2 weeks) and 14 (more than 2 weeks). null = not asked: "
                    "taken as the day of the check-in.")
    cauda_equina_signs: list[CaudaEquinaSign] | None = Field(
        default=None,
        description="New or worse: numbness around the back passage or genitals, trouble passing urine or "
                    "controlling bladder or bowel, weakness in both legs getting worse. [] = none; null = not asked.")

    _check_time = field_validator("recorded_at")(_not_in_future)
    _dedupe = field_validator("infection_signs", "heart_symptoms", "cauda_equina_signs")(_unique)

    @property
    def time(self) -> datetime:
        """The time as the phone gave it."""
        return self.recorded_at

    @property
    def occurred_at(self) -> datetime:
        """When it happened: the time corrected for the phone's clock (the rules' time)."""
        return self.recorded_at if not self.clock_offset_s else corrected(self.recorded_at, self.clock_offset_s)


Entry = Annotated[Union[Walk, CheckIn], Field(discriminator="type")]


class PatientInfo(BaseModel):
    """What a document says about the patient, beside the entries.

    Every key is optional (null = not recorded) and unknown keys are ignored,
    so the object can grow (events, measurements...) without breaking an
    older reader."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    diabetes: bool | None = Field(
        default=None,
        description="The patient has diabetes (a foot infection then needs immediate referral, NICE NG19). "
                    "null = not recorded.")


class Document(BaseModel):
    """An interchange document: ``{"patient": {...}, "entries": [...]}`` (``patient`` optional)."""

    model_config = ConfigDict(extra="ignore")
    patient: PatientInfo | None = Field(default=None, description="What is known about the patient; optional.")
    entries: list[Entry]


@dataclass(frozen=True)
class ParsedDocument:
    entries: list[Walk | CheckIn]
    patient: PatientInfo


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
    """Parse an interchange document's entries; errors name the entry (index and id) and field."""
    return read_document(raw, now).entries


def read_document(raw: str | bytes, now: datetime | None = None) -> ParsedDocument:
    """Parse an interchange document: its entries and its ``patient`` object (empty when absent)."""
    data = read_json(raw)
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise EntryError([("document", 'expected an object {"entries": [...]}')])
    entries: list[Walk | CheckIn] = []
    problems: list[tuple[str, str]] = []
    patient = PatientInfo()
    if data.get("patient") is not None:
        try:
            patient = PatientInfo.model_validate(data["patient"])
        except ValidationError as exc:
            problems.extend(problems_from(exc, prefix="patient."))
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
    return ParsedDocument(entries=entries, patient=patient)


def dump_entry(entry: Walk | CheckIn) -> dict[str, Any]:
    return entry.model_dump(mode="json")


def same_answers(a: Walk | CheckIn, b: Walk | CheckIn) -> bool:
    """The same entry as the patient gave it (when the server received it aside)."""
    return a.model_dump(mode="json", exclude={"received_at"}) == b.model_dump(mode="json", exclude={"received_at"})


def from_client(entry: Walk | CheckIn) -> Walk | CheckIn:
    """An entry as a client sent it, without the server's ``received_at``."""
    return entry if entry.received_at is None else entry.model_copy(update={"received_at": None})


def json_schema() -> dict[str, Any]:
    """The JSON Schema of an interchange document, generated from the models."""
    schema = Document.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Walking Diary interchange document"
    return schema
