"""What pages show as the reader expects it, through Babel: times in the appliance's time zone
and the reader's language ("3 dec 2026 14:05", "Dec 3, 2026 2:05 PM"), language names
("Engels"), and the `command` spans of messages as code."""

from __future__ import annotations

import re
from datetime import datetime

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from flask_babel import get_locale
from markupsafe import Markup, escape

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


def language_name(code: str) -> str:
    """A language's name in the reader's language ("Engels"), or its code if Babel has none."""
    try:
        return Locale.parse(code).get_display_name(get_locale()) or code
    except (ValueError, UnknownLocaleError):
        return code


_TICKS = re.compile(r"`([^`<>]+)`")


def code_spans(text: str) -> Markup:
    """Plain text (escaped) with its `command` spans shown as code, as messages write them."""
    return Markup(_TICKS.sub(r"<code>\1</code>", str(escape(text))))  # noqa: S704 - escaped first
