"""Times as people read them: every time on a clinic page in the clinic's time zone,
every time on a patient's phone in the patient's own (the clinic's, unless they
chose another on their account page). A page says once which zone it uses."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from diary.models import Clinic, User

# The IANA areas people live in; the rest of the database is aliases ("US/Eastern")
# and fixed offsets ("Etc/GMT+5") that only confuse a list.
_AREAS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


def local_time(value: datetime | None, timezone: str) -> str:
    """'Mon 23 Nov 2026, 04:46' in the zone; '' for no time."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(timezone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"



def local_day(value: datetime | None, timezone: str) -> str:
    """A day as a patient reads it: '3 May 2026'; '' for no time."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(timezone or "UTC"))
    return f"{local.day} {local:%b %Y}"

def today_in(timezone: str, now: datetime) -> date:
    """The date it is in the zone at ``now``."""
    return now.astimezone(ZoneInfo(timezone)).date()


def zone_name(timezone: str) -> str:
    """'London time', 'New York time', 'UTC'."""
    if timezone.upper() in ("UTC", "ETC/UTC"):
        return "UTC"
    return timezone.rsplit("/", 1)[-1].replace("_", " ") + " time"


def zone_of(user: User | None, clinic: Clinic) -> str:
    """The zone a person's pages use: a patient's own choice, else the clinic's."""
    if user is not None and not user.is_staff and user.timezone and is_zone(user.timezone):
        return user.timezone
    return clinic.timezone


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(z for z in available_timezones() if z.split("/", 1)[0] in _AREAS) | {"UTC"}


def is_zone(name: str) -> bool:
    return name in _zones()


@lru_cache(maxsize=1)
def zone_choices() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """The zones a person may choose, by area, each as (name, label): ("Europe", (("Europe/London", "London"), ...))."""
    by_area: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(_zones() - {"UTC"}):
        area, place = name.split("/", 1)
        by_area.setdefault(area, []).append((name, place.replace("_", " ").replace("/", ": ")))
    return (("UTC", (("UTC", "UTC"),)), *((area, tuple(places)) for area, places in sorted(by_area.items())))
