"""Times as the reader expects them: in the appliance's time zone and the reader's language
("3 dec. 2026 14:05" in Dutch, "Dec 3, 2026, 2:05 PM" in English), through Babel."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date, format_time
from flask_babel import get_locale

from appliance.web import state


def moment(when: datetime | None) -> str:
    """An aware time as the appliance's local date and time, or "—" when there is none."""
    if when is None:
        return "—"
    local = when.astimezone(state().tz)
    locale = get_locale()
    day = format_date(local, "medium", locale=locale)
    return f"{day} {format_time(local, 'short', locale=locale)}"


def epoch(seconds: float | None) -> str:
    """A Unix time as :func:`moment` shows it, or "" when there is none."""
    if seconds is None:
        return ""
    return moment(datetime.fromtimestamp(seconds, state().tz))
