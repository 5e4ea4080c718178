"""The parts of the day a telephone campaign calls in, and when a contact not reached is tried
again.

Parts (local time, in the appliance's time zone): morning 9-12, afternoon 12-17, evening
17-21, each a bit of a campaign's ``day_parts`` and of a call's ``tried_parts``. Nobody is
called outside the campaign's parts, except at a time they agreed (an appointment).

A retry is due no sooner than the campaign's minimum gap after the attempt, in the first of
the campaign's parts not tried yet for that call; once every part was tried, in the first of
the campaign's parts at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from appliance.i18n import N_


@dataclass(frozen=True)
class Part:
    bit: int
    start: int  # hour
    end: int  # hour (exclusive)
    label: str  # msgid


PARTS: tuple[Part, ...] = (
    Part(1, 9, 12, N_("morning (9-12)")),
    Part(2, 12, 17, N_("afternoon (12-17)")),
    Part(4, 17, 21, N_("evening (17-21)")),
)
ALL = 7
# How far ahead a retry is looked for: far enough for any gap the settings allow (a week).
HORIZON_DAYS = 9


def part_of(moment: float, tz: tzinfo) -> int:
    """The bit of the part of the day ``moment`` (epoch) falls in, 0 outside all three."""
    hour = datetime.fromtimestamp(moment, tz).hour
    return next((p.bit for p in PARTS if p.start <= hour < p.end), 0)


def _windows(after: float, allowed: int, tz: tzinfo):
    """(bit, window start epoch, window end epoch) of the allowed parts, from the local day of
    ``after`` on, in time order."""
    day = datetime.fromtimestamp(after, tz).date()
    for offset in range(HORIZON_DAYS):
        date = day + timedelta(days=offset)
        for part in PARTS:
            if allowed & part.bit:
                start = datetime.combine(date, time(part.start), tz).timestamp()
                end = datetime.combine(date, time(part.end), tz).timestamp()
                if end > after:
                    yield part.bit, start, end


def next_try(now: float, tried: int, allowed: int, gap_hours: int, tz: tzinfo) -> float:
    """When a call tried in the parts ``tried`` is due again after an attempt at ``now`` (see
    the module's contract)."""
    earliest = now + gap_hours * 3600
    untried = allowed & ~tried
    fallback = None
    for bit, start, _end in _windows(earliest, allowed, tz):
        at = max(start, earliest)
        if not untried or bit & untried:
            return at
        if fallback is None:
            fallback = at
    return fallback if fallback is not None else earliest
