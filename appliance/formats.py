"""What pages show as the reader expects it, through Babel: times in the appliance's time zone
and the reader's language ("3 dec 2026 14:05", "Dec 3, 2026 2:05 PM"), days, counts inside
messages and file sizes as the reader writes numbers ("1.991", "1,5 GB"), language names
("Engels"), and the `command` spans of messages as code. The template filters of the same
names are these functions (registered by ``create_app``)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from flask_babel import format_decimal, get_locale, gettext
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


def clock(when: datetime | None) -> str:
    """An aware time to the second in the appliance's time zone ("14:05:09"), with its day
    before it unless that is today; "—" when there is none."""
    if when is None:
        return "—"
    local = when.astimezone(state().tz)
    locale = get_locale()
    time_of_day = format_time(local, "medium", locale=locale)
    if local.date() == datetime.now(state().tz).date():
        return time_of_day
    return f"{format_date(local, 'medium', locale=locale)} {time_of_day}"


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


def isoday(text: str | None) -> str:
    """An ISO date ("2026-12-02") in the reader's language: 2 dec 2026, Dec 2, 2026."""
    return format_date(date.fromisoformat(text), locale=get_locale()) if text else ""


_UNITS = ("B", "kB", "MB", "GB", "TB")


def filesize(n: int | None) -> str:
    """Bytes in the reader's language: 1,5 GB in Dutch, 1.5 GB in English (powers of 1000)."""
    if n is None:
        return "—"
    value, unit = float(n), 0
    while value >= 1000 and unit < len(_UNITS) - 1:
        value, unit = value / 1000, unit + 1
    shown = format_decimal(value, format="#,##0" if unit == 0 else "#,##0.0")
    return f"{shown} {_UNITS[unit]}"


def counted(message: str, **values: Any) -> str:
    """``gettext(message, **values)`` with the whole numbers among ``values`` written as the
    reader writes them (1.991), for messages that take a count as ``%(n)s``."""
    shown = {k: format_decimal(v) if isinstance(v, int) else v for k, v in values.items()}
    return gettext(message, **shown)
