"""Readable names for what a report holds: answers, groups, periods, dimensions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from appliance.reports.report import QuestionReport, Report

MODES = {
    "invitation": _l("invitation"),
    "link": _l("open link"),
    "kiosk": _l("kiosk"),
    "paper": _l("paper"),
    "phone": _l("telephone"),
}
ANSWERS = {"yes": _l("yes"), "no": _l("no"), "na": _l("not applicable")}


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
        return value or str(_l("(not known)"))

    def period(self, label: str) -> str:
        if "-W" in label:
            return label
        return format_date(date.fromisoformat(label + "-01"), "MMM yyyy")

    def groups(self, dim, groups):
        """The same groups with readable labels (for charts)."""
        return [replace(g, label=self.group(dim, g.label)) for g in groups]

    def periods(self, points):
        return [replace(g, label=self.period(g.label)) for g in points]
