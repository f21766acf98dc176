"""What the diary tells a patient who reports a danger sign, at once.

The diary never waits for a clinician to read an entry before advising. Words
are plain and kind; they never diagnose. Based on the warning signs in the
clinical brief: acute limb ischaemia (a sudden painful, pale, cold, numb or
weak leg) is an emergency; rest pain, a wound that does not heal, or a toe
turning blue or black needs the care team soon (suspected chronic
limb-threatening ischaemia needs urgent referral, Global Vascular Guidelines 2019).
"""

from __future__ import annotations

from dataclasses import dataclass

from diary.entries import CheckIn, ColourChange


@dataclass(frozen=True)
class Advice:
    level: str  # "emergency" or "urgent"
    title: str
    steps: tuple[str, ...]


EMERGENCY = Advice(
    level="emergency",
    title="Call 999 now (or your local emergency number)",
    steps=(
        "A leg or foot that has suddenly become painful, pale, cold, numb or weak needs emergency care today.",
        "Do not wait for your care team to read your diary.",
        "Do not walk on it to test it. Keep the leg still and lowered while you wait for help.",
    ),
)

URGENT = Advice(
    level="urgent",
    title="Please contact your care team today",
    steps=(
        "Phone your vascular team or your GP practice today and tell them what you have noticed.",
        "Your team will also see this in your diary, but please do not wait for them to call you.",
        "Call 999 or go to A&E if your foot or leg becomes suddenly cold, pale, numb or very painful, "
        "if a toe turns black, or if a wound gets red, hot, swollen or smells.",
    ),
)


def what_was_reported(check_in: CheckIn) -> list[str]:
    said = []
    if check_in.sudden_onset:
        said.append("your leg changed suddenly")
    if check_in.rest_pain:
        said.append("pain in your leg or foot while resting" + (" at night" if check_in.rest_pain_at_night else ""))
    if check_in.wound:
        days = f" for {check_in.wound_days} days" if check_in.wound_days else ""
        said.append(f"a wound or sore on your foot or leg{days}")
    if check_in.colour_change is not None:
        said.append(f"a toe or foot turning {check_in.colour_change.value}")
    if check_in.cold_foot and said:
        said.append("a cold foot")
    return said


def advice_for(check_in: CheckIn) -> Advice | None:
    if check_in.sudden_onset:
        return EMERGENCY
    if check_in.rest_pain or check_in.wound or check_in.colour_change in (
        ColourChange.blue, ColourChange.black, ColourChange.pale
    ):
        return URGENT
    return None


def advice_for_flags(urgent_rules: list[str]) -> Advice | None:
    """What a patient with a live urgent flag sees: the safety advice, never the clinical wording."""
    if not urgent_rules:
        return None
    return EMERGENCY if "acute_limb" in urgent_rules else URGENT
