"""Free text as the app keeps it: one rule for every field a person types into.

Browsers send a textarea's line breaks as CR LF; they are kept as LF. Every
other control character (C0, including tab, DEL and C1) is refused, with a
message naming the field: a NUL makes PostgreSQL refuse the whole row, and
control characters in a note end up raw in CSV exports, logs and PDFs. A
single-line field (a name, a clinic number) refuses line breaks too. Lengths
are counted after the line breaks are tidied.

``clean`` raises ``TextError`` (a ``ValueError``, so pydantic validators may
call it); ``line`` and ``note`` are the two shapes every caller uses.
"""

from __future__ import annotations

import re

NAME_CHARS = 200        # a patient's or a colleague's name, a clinic's name
NUMBER_CHARS = 64       # a clinic number
NOTE_CHARS = 2000       # a note, a reason

CONTROL_MESSAGE = "use plain text: this holds a control character, such as a tab or a NUL"
LINE_BREAK_MESSAGE = "keep this on one line"
# C0 (U+0000-U+001F, tab and line feed included), DEL and C1 (U+0080-U+009F).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_BREAKS = re.compile("\r\n?")


class TextError(ValueError):
    """The text of ``field`` cannot be kept as typed; the message says why."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)

    @property
    def sentence(self) -> str:
        """The message as a sentence, for a form's error beside the field."""
        message = str(self)
        return message[:1].upper() + message[1:] + "."


def has_control(text: str) -> bool:
    """True when ``text`` holds any C0, DEL or C1 character (line feeds count too)."""
    return _CONTROL.search(text) is not None


def clean(text: str, field: str, *, max_chars: int, multiline: bool, strip: bool = True) -> str:
    """``text`` with line breaks as LF (and, with ``strip``, no surrounding space), or TextError."""
    tidy = _BREAKS.sub("\n", text)
    if strip:
        tidy = tidy.strip()
    found = _CONTROL.search(tidy.replace("\n", "") if multiline else tidy)
    if found is not None:
        raise TextError(field, LINE_BREAK_MESSAGE if found.group() == "\n" else CONTROL_MESSAGE)
    if len(tidy) > max_chars:
        raise TextError(field, f"use at most {max_chars:,} characters")
    return tidy


def line(text: str, field: str, max_chars: int = NAME_CHARS) -> str:
    """A single-line field: a name, a clinic number, a clinic's name."""
    return clean(text, field, max_chars=max_chars, multiline=False)


def note(text: str, field: str = "note", max_chars: int = NOTE_CHARS) -> str:
    """A note or a reason: several lines allowed."""
    return clean(text, field, max_chars=max_chars, multiline=True)


def scrub(text: str) -> str:
    """What a stored text becomes when it is carried forward (migration 0009): line breaks as LF,
    tabs as spaces, every other control character dropped. Never refuses."""
    tidy = _BREAKS.sub("\n", text).replace("\t", " ")
    return _CONTROL.sub(lambda m: "\n" if m.group() == "\n" else "", tidy)


def whole_number(text: str | None, low: int, high: int) -> int | None:
    """``text`` as a whole number from ``low`` to ``high``, or None: ASCII digits only
    (``"²"`` and ``"٣"`` pass ``str.isdigit``), and never more than nine of them."""
    if not text or len(text) > 9 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if low <= number <= high else None

