"""What the diary tells a patient who reports a danger sign, at once.

The diary never waits for a clinician to read an entry before advising. Words
are plain and kind; they never diagnose. Each sign of ``diary.signs.SIGNS`` has
its words here; the advice takes the worst grade among the signs reported and
shows the words of the signs at that grade, so an emergency is never also
told "today", and no sign is told to watch for itself. The table in
docs/clinical-rules.md (sign, grade, severity, words, sources) is checked
against these by a test, and web/static/pwa/entry.js carries the same words
for the phone with no connection (checked too).

``{emergency}`` in a sentence is the clinic's emergency number (999, 112,
911...), shown as a tap-to-call link; every emergency and same-day advice also
shows tap-to-call buttons for that number and the clinic's own phone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from diary.entries import CheckIn, Walk
from diary.signs import BY_CODE, PHRASES, SIGNS, Grade, reported, signs_of, worst_grade

EMERGENCY_NUMBER = "{emergency}"

TITLES: dict[Grade, str] = {
    Grade.emergency: "Get help now",
    Grade.same_day: "Phone your care team today",
    Grade.next_contact: "Tell your care team",
}
CLOSING: dict[Grade, str] = {
    Grade.emergency: "Your answers are saved in your diary and your care team will see them, "
                     "but do not wait for them: get help now.",
    Grade.same_day: "Your answers are saved in your diary and your care team will see them, "
                    "but please do not wait for them to call you.",
    Grade.next_contact: "Your answers are saved in your diary and your care team will see them.",
}
ALSO_TELL = "Tell whoever you speak to about everything else you told us too."

_CALL_NOW = "Call {emergency} now. Do not wait for your care team to read your diary."
_PHONE_TODAY = "Phone your care team today. Do not wait for them to read your diary."
_GET_HELP_NOW = ("Get help now: phone your care team, and if you cannot speak to them straight away, "
                 "go to a hospital emergency department or call {emergency}.")
_HEART_TODAY = "Phone your care team or your GP today, and do not walk for exercise until you have spoken to them."

WORDS: dict[str, tuple[str, ...]] = {
    "sudden_change": (
        "A leg or foot that has suddenly become painful, pale, cold, numb or weak can mean its blood supply "
        "has suddenly stopped. This is an emergency.",
        _CALL_NOW,
        "Do not walk on it to test it. Keep the leg still and lowered while you wait for help.",
    ),
    "chest_pain": (
        "Chest pain, pressure or tightness when you walk can come from your heart.",
        "Stop and rest. If you have it now and it lasts more than a few minutes, or comes with sweating, "
        "feeling sick or short of breath, call {emergency} now.",
        "If it has passed, phone your care team or your GP now, and do not walk for exercise until a doctor "
        "has checked you.",
    ),
    "cauda_equina": (
        "Numbness around your bottom or private parts, new trouble passing urine or controlling your bladder "
        "or bowels, or weakness in both legs that is getting worse can mean the nerves at the bottom of your "
        "spine are being squeezed. This is an emergency.",
        "Go to a hospital emergency department now, or call {emergency}. "
        "Do not wait for your care team to read your diary.",
    ),
    "infected_wound_unwell": (
        "A wound that is red, swollen, warm, has pus or smells, or a wound with a fever or feeling unwell, "
        "can be a serious infection.",
        _GET_HELP_NOW,
    ),
    "infected_wound_diabetes": (
        "With diabetes, redness spreading, swelling, warmth, pus or a bad smell around a wound or on your foot "
        "is an infection that needs treating now, even if you feel well.",
        _GET_HELP_NOW,
    ),
    "sudden_change_late": (
        "A leg that changed suddenly more than 2 weeks ago and is not back to normal needs checking today.",
        _PHONE_TODAY,
        "If the leg gets suddenly worse, call {emergency} now.",
    ),
    "faint": (
        "Feeling faint or dizzy, or fainting, when you walk needs checking before you walk for exercise again.",
        _HEART_TODAY,
        "If you fainted, or it comes with chest pain or a racing heart, call {emergency} now.",
    ),
    "palpitations": (
        "A heart that races, pounds or flutters when you walk needs checking.",
        _HEART_TODAY,
        "If it comes with chest pain, feeling faint or being short of breath, call {emergency} now.",
    ),
    "breathless": (
        "Being much more out of breath than usual when you walk needs checking.",
        _HEART_TODAY,
        "If you are short of breath while resting, or it comes with chest pain, call {emergency} now.",
    ),
    "infected_wound": (
        "Redness spreading, swelling, warmth, pus or a bad smell around a wound or on your foot can mean an "
        "infection, which needs treating quickly.",
        _PHONE_TODAY,
        "If you get a fever or feel unwell, phone them now, or call {emergency} if you cannot reach them.",
    ),
    "rest_pain_pale_cold_numb": (
        "Pain at rest together with a pale, cold or numb foot can mean the blood supply to your leg has got "
        "worse, and needs checking today.",
        _PHONE_TODAY,
        "If the leg becomes suddenly worse, or you cannot move your foot or toes, call {emergency} now.",
    ),
    "rest_pain_typical": (
        "Pain in your foot or leg at night that eases when you hang your leg down can mean the blood supply "
        "to your leg is getting worse.",
        _PHONE_TODAY,
        "If your foot becomes suddenly cold, pale, numb or very painful, call {emergency} now.",
    ),
    "rest_pain": (
        "Pain in your leg or foot when you are resting can mean the blood supply to your leg is getting worse.",
        _PHONE_TODAY,
        "If your foot becomes suddenly cold, pale, numb or very painful, call {emergency} now.",
    ),
    "wound": (
        "A wound, sore or ulcer on your foot or leg needs checking by your care team, because it can be slow "
        "to heal when the blood supply is poor.",
        _PHONE_TODAY,
        "Keep it clean and covered, and do not walk barefoot. If it gets red, hot, swollen or smelly, or you "
        "feel unwell, phone them now, or call {emergency} if you cannot reach them.",
    ),
    "dark_toe": (
        "A toe or part of your foot that is blue or black needs checking by your care team: the skin may not "
        "be getting enough blood.",
        _PHONE_TODAY,
        "Keep it clean and dry and protect it from knocks. If your foot also becomes suddenly cold, pale, "
        "numb or very painful, call {emergency} now.",
    ),
    "pale_cold_foot": (
        "A foot that is cold and pale can mean poor blood flow.",
        "Tell your care team at your next appointment or phone call.",
        "If it came on suddenly, or the foot becomes painful, numb or weak, call {emergency} now.",
    ),
}


@dataclass(frozen=True)
class Advice:
    grade: Grade
    title: str
    reported: tuple[str, ...]  # what the patient told us, in plain words
    lines: tuple[str, ...]     # what to do; "{emergency}" is the emergency number
    signs: tuple[str, ...]
    closing: str

    @property
    def level(self) -> str:
        return self.grade.value

    @property
    def calls(self) -> bool:
        """Emergency and same-day advice shows tap-to-call buttons."""
        return self.grade in (Grade.emergency, Grade.same_day)


def advice_for_signs(codes: Iterable[str], said: Iterable[str] = ()) -> Advice | None:
    """The advice for a set of signs: the worst grade's title, and the words of the signs at it."""
    codes = [s.code for s in SIGNS if s.code in set(codes)]
    grade = worst_grade(codes)
    if grade is None:
        return None
    lines: list[str] = []
    for code in codes:
        if BY_CODE[code].grade == grade:
            lines += [line for line in WORDS[code] if line not in lines]
    if any(BY_CODE[c].grade != grade for c in codes):
        lines.append(ALSO_TELL)
    return Advice(grade=grade, title=TITLES[grade], reported=tuple(said), lines=tuple(lines), signs=tuple(codes),
                  closing=CLOSING[grade])


def advice_for(entry: Walk | CheckIn, diabetes: bool | None = None) -> Advice | None:
    """The advice an entry answers with at once, or None when it reports no danger sign."""
    return advice_for_signs(signs_of(entry, diabetes), reported(entry))


def phone_json() -> dict:
    """The advice as the phone needs it offline: ``ADVICE`` in web/static/pwa/entry.js."""
    return {
        "signs": [[s.code, s.grade.value] for s in SIGNS],
        "words": {code: list(words) for code, words in WORDS.items()},
        "titles": {g.value: t for g, t in TITLES.items()},
        "closing": {g.value: t for g, t in CLOSING.items()},
        "also": ALSO_TELL,
        "phrases": PHRASES,
    }
