"""Readable names and numbers for what a report holds: answers, groups, periods, dimensions,
waves, and figures in the reader's language (``7,1`` and ``1.991`` in Dutch)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from appliance.reports.derived import Range
from appliance.reports.report import NO_ANSWER, QuestionReport, Report, Suppressed
from appliance.responses.segments import OTHER

MODES = {
    "invitation": _l("invitation"),
    "link": _l("open link"),
    "kiosk": _l("kiosk"),
    "paper": _l("paper"),
    "phone": _l("telephone"),
    "onsite": _l("face to face"),
}
ANSWERS = {
    "yes": _l("yes"),
    "no": _l("no"),
    "na": _l("not applicable"),
    NO_ANSWER: _l("no answer"),
}


def segment_value(value: str) -> str:
    """A stored segment value as readers see it: the neutral "other" a rare value was stored
    as, "(not known)" for none, any other value as it is."""
    if value == OTHER:
        return str(_l("Other"))
    return value or str(_l("(not known)"))


class Labels:
    def __init__(self, report: Report, language: str):
        self.report, self.language = report, language

    def question(self, q: QuestionReport) -> str:
        return q.text.get(self.language) or next(iter(q.text.values()))

    def answers(self, q: QuestionReport) -> dict[str, str]:
        out = {v: str(t) for v, t in ANSWERS.items()}
        out.update(
            {v: t.get(self.language) or next(iter(t.values())) for v, t in q.choices.items()}
        )
        return out

    def dimension(self, dim: str | None) -> str:
        if not dim:
            return ""
        return str(_l("mode")) if dim == "mode" else dim.removeprefix("seg:")

    def group(self, dim: str | None, value: str) -> str:
        if dim == "mode":
            return str(MODES.get(value, value))
        return segment_value(value)

    @staticmethod
    def count(n) -> str:
        """A count as the reader writes it (``1.991``), a hidden one as ``< k``."""
        return str(n) if isinstance(n, Suppressed) else format_decimal(n, format="#,##0")

    @staticmethod
    def number(value: Range | None, digits: int = 1, signed: bool = False) -> str:
        """A figure, ``7,1`` or ``7,1 – 7,2`` when known only within a range; ``—`` when left
        out."""
        if value is None:
            return "\u2014"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        if signed:
            pattern = f"+{pattern};-{pattern}"
        low, high = (format_decimal(v, format=pattern) for v in (value.low, value.high))
        return low if low == high else f"{low} \u2013 {high}"

    @classmethod
    def plain(cls, value: float, digits: int = 1, signed: bool = False) -> str:
        """A number from outside the report (a benchmark), written like the report's own."""
        return cls.number(Range(value, value), digits, signed)

    @staticmethod
    def percent(value: Range | float | None) -> str:
        if value is None:
            return "\u2014"
        if not isinstance(value, Range):
            value = Range(value, value)
        low, high = (format_percent(v, format="#,##0%") for v in (value.low, value.high))
        return low if low == high else f"{low} \u2013 {high}"

    def wave(self, campaign: Mapping) -> str:
        return wave_label(campaign, self.report.campaigns)

    def period(self, label: str) -> str:
        if "-W" in label:
            return label
        return format_date(date.fromisoformat(label + "-01"), "MMM yyyy")

    def groups(self, dim, groups):
        """The same groups with readable labels (for charts)."""
        return [replace(g, label=self.group(dim, g.label)) for g in groups]

    def periods(self, points):
        return [replace(g, label=self.period(g.label)) for g in points]


def wave_label(campaign: Mapping, campaigns: Sequence[Mapping]) -> str:
    """A campaign as a neutral wave: its start date, numbered when several started that day.
    Never the name staff gave it."""
    day = campaign["started_on"]
    if not day:
        return _("Wave")
    same = [c for c in campaigns if c["started_on"] == day]
    label = _("Wave of %(date)s", date=format_date(date.fromisoformat(day), "d MMMM yyyy"))
    if len(same) > 1:
        label += f" ({next(i for i, c in enumerate(same, 1) if c is campaign)})"
    return label
