"""The tissue-loss signs on record for a patient, for the check-in form to ask about.

Once a wound or a blue or black toe is on record, the form asks about that one
("Is the wound you told us about on 3 May still there?") instead of asking
again from nothing, and only "It has healed" clears it: the same reading as
the trend rule (``diary.trend.tissue_loss``). A clinician who resolves the
flag closes it for the clinic; the form goes on asking about it until the
patient says it has healed, so that a wound that is still there never reads
as a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from diary import store
from diary.entries import CheckIn
from diary.flags import HISTORY_WINDOW
from diary.trend.timeline import Timeline
from diary.trend.tissue_loss import dark_episode, wound_episode


@dataclass(frozen=True)
class OnRecord:
    wound_since: datetime | None = None   # first report of the wound on record
    dark_since: datetime | None = None    # first report of the blue or black toe on record
    dark_colour: str = ""                 # its latest colour


def on_record(checkins: list[CheckIn], now: datetime) -> OnRecord:
    """What is on record from the patient's check-ins (in any order)."""
    tl = Timeline(checkins, now)
    wound, dark = wound_episode(tl), dark_episode(tl)
    return OnRecord(wound_since=tl.time_of(wound[0]) if wound else None,
                    dark_since=tl.time_of(dark[0]) if dark else None,
                    dark_colour=dark[-1].colour_change.value if dark and dark[-1].colour_change else "")


async def signs_on_record(session: AsyncSession, patient_id: int, now: datetime) -> OnRecord:
    entries = await store.entries_since(session, patient_id, now - HISTORY_WINDOW)
    return on_record([e for e in entries if isinstance(e, CheckIn)], now)
