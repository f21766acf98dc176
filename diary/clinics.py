"""A clinic's settings: its name, time zone, phone number and emergency number.

An admin sets them on the clinic settings page. The numbers reach the patient
with every piece of safety advice (as tap-to-call links, online and offline),
on the enrolment letter and on the PDFs. Each change is written to the audit
log with the values before and after (none of them is health data).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from diary import audit, text
from diary.models import Clinic, User

# Emergency numbers by time zone: where a clinic's zone says which country it is
# in. 112 also works from mobile phones across Europe and in many other
# countries; an admin sets the right number on the settings page.
_BY_ZONE = (
    ("Europe/London", "999"), ("Europe/Belfast", "999"), ("Europe/Guernsey", "999"), ("Europe/Jersey", "999"),
    ("Europe/Isle_of_Man", "999"), ("Europe/Gibraltar", "112"), ("Asia/Hong_Kong", "999"),
    ("Australia/", "000"), ("Pacific/Auckland", "111"), ("Pacific/Chatham", "111"),
    ("America/Sao_Paulo", "192"), ("America/Argentina/", "107"), ("America/", "911"), ("US/", "911"),
    ("Canada/", "911"),
)
# Offered on the settings page (the admin may type another).
COMMON_EMERGENCY_NUMBERS = (("999", "UK, Ireland, Hong Kong"), ("112", "European Union and most of Europe"),
                            ("911", "United States, Canada, Mexico"), ("000", "Australia"), ("111", "New Zealand"))
_EMERGENCY = re.compile(r"^[0-9]{2,6}$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-.]+$")
MAX_NAME = 200


class ClinicError(ValueError):
    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def default_emergency_number(timezone: str) -> str:
    for prefix, number in _BY_ZONE:
        if timezone == prefix or (prefix.endswith("/") and timezone.startswith(prefix)):
            return number
    return "112"


@cache
def timezones() -> tuple[str, ...]:
    """Every IANA time zone name this machine knows, sorted."""
    return tuple(sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))))


def tel_href(number: str) -> str:
    """The ``tel:`` link of a phone number as typed: digits, and a leading + kept."""
    digits = re.sub(r"[^0-9]", "", number)
    return f"tel:{'+' if number.strip().startswith('+') else ''}{digits}"


def clean_phone(text: str, field: str = "phone") -> str:
    """A phone number as it will be shown: digits, spaces, + ( ) - ., 6 to 15 digits (or empty)."""
    text = " ".join(text.split())
    if not text:
        return ""
    digits = re.sub(r"[^0-9]", "", text)
    if len(text) > 32 or not _PHONE_CHARS.match(text) or not 6 <= len(digits) <= 15:
        raise ClinicError(field, "Enter a phone number of 6 to 15 digits, like 020 7946 0000 or +44 20 7946 0000.")
    return text


def clean_emergency_number(text: str) -> str:
    text = text.strip()
    if not _EMERGENCY.match(text):
        raise ClinicError("emergency_number", "Enter the emergency number as 2 to 6 digits, like 999, 112 or 911.")
    return text


def clean_timezone(text: str) -> str:
    text = text.strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ClinicError("timezone", "Choose a time zone from the list, like Europe/London.") from None
    if text not in timezones():
        raise ClinicError("timezone", "Choose a time zone from the list, like Europe/London.")
    return text


@dataclass(frozen=True)
class Contact:
    """What a patient's phone needs to call for help: kept on the phone at sign-in."""

    clinic_name: str
    clinic_phone: str
    emergency_number: str

    @classmethod
    def of(cls, clinic: Clinic) -> Contact:
        return cls(clinic.name, clinic.phone, clinic.emergency_number or "999")

    def as_json(self, diabetes: bool | None = None) -> dict[str, object]:
        return {"clinic_name": self.clinic_name, "clinic_phone": self.clinic_phone,
                "clinic_tel": tel_href(self.clinic_phone) if self.clinic_phone else "",
                "emergency": self.emergency_number, "emergency_tel": tel_href(self.emergency_number),
                "diabetes": diabetes}


async def update_settings(session: AsyncSession, admin: User, *, name: str, timezone: str, phone: str,
                          emergency_number: str, now: datetime, address: str | None = None) -> Clinic:
    """Validate and save the admin's clinic settings; audit what changed (before and after)."""
    clinic = await session.get(Clinic, admin.clinic_id)
    assert clinic is not None
    try:
        name = " ".join(text.line(name, "name", MAX_NAME).split())
    except text.TextError as exc:
        raise ClinicError(exc.field, exc.sentence) from None
    if not name:
        raise ClinicError("name", "Enter the clinic's name.")
    if len(name) > MAX_NAME:
        raise ClinicError("name", f"Keep the name under {MAX_NAME} characters.")
    wanted = {"name": name, "timezone": clean_timezone(timezone), "phone": clean_phone(phone),
              "emergency_number": clean_emergency_number(emergency_number)}
    if wanted["name"] != clinic.name:
        taken = await session.execute(select(Clinic.id).where(func.lower(Clinic.name) == name.lower(),
                                                              Clinic.id != clinic.id))
        if taken.first():
            raise ClinicError("name", "Another clinic already has this name.")
    changed = {k: [getattr(clinic, k), v] for k, v in wanted.items() if getattr(clinic, k) != v}
    if changed:
        for key, (_, value) in changed.items():
            setattr(clinic, key, value)
        session.add(clinic)
        await audit.record(session, action="clinic.settings_changed", now=now, actor=admin, clinic_id=clinic.id,
                           detail={"changed": changed}, address=address)
        await session.flush()
    return clinic
