"""The gated report as a printable PDF (fpdf2), with the same SVG charts as the page."""

from __future__ import annotations

import io
import re
from datetime import date

from flask_babel import gettext as _
from fpdf import FPDF

from appliance.reports import charts
from appliance.reports.labels import Labels
from appliance.reports.report import Report


def _latin(text: str) -> str:
    """The PDF core fonts hold Latin-1; anything else becomes '?' rather than an error."""
    return (
        str(text)
        .replace("\u2013", "-")
        .replace("\u2014", "-")
        .replace("\u2019", "'")
        .encode("latin-1", "replace")
        .decode("latin-1")
    )


class _Doc(FPDF):
    footer_text = ""

    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, _latin(f"{self.footer_text}  -  {self.page_no()}"), align="C")


# Tooltips mean nothing on paper, and fpdf2 warns about every one.
_TITLES = re.compile(r"<title>.*?</title>")


def _chart(doc: FPDF, svg) -> None:
    if doc.get_y() > 220:
        doc.add_page()
    # The chart's text is drawn with the same core fonts: Latin-1 too.
    doc.image(io.BytesIO(_latin(_TITLES.sub("", str(svg))).encode()), w=170)
    doc.ln(2)


def _line(doc: FPDF, label: str, value) -> None:
    doc.set_font("Helvetica", size=10)
    doc.cell(70, 6, _latin(label))
    doc.cell(0, 6, _latin(str(value)), new_x="LMARGIN", new_y="NEXT")


def render(report: Report, names: Labels, organisation: str) -> bytes:
    doc = _Doc(format="A4")
    doc.footer_text = _("Aggregated results; figures below %(k)d responses hidden", k=report.k)
    doc.set_auto_page_break(True, margin=16)
    doc.add_page()
    doc.set_font("Helvetica", "B", 16)
    doc.multi_cell(0, 8, _latin(report.title), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=10)
    view = report.view
    scope = (
        f"{view.filter[0]} = {names.group(None, view.filter[1])}"
        if view.filter
        else _("all respondents")
    )
    if organisation:
        _line(doc, _("Organisation"), organisation)
    _line(doc, _("Report of"), date.today().isoformat())
    _line(doc, _("Respondents"), f"{names.count(report.respondents)} ({scope})")
    _line(doc, _("Excluded after quality checks"), names.count(report.excluded))
    if view.breakdown:
        _line(doc, _("Break down by"), names.dimension(view.breakdown))
        for g in report.groups:
            _line(doc, f"    {names.group(view.breakdown, g.label)}", names.count(g.n))
    for c in report.campaigns:
        rate = names.percent(c["rate"])
        _line(
            doc,
            names.wave(c),
            _(
                "invited %(invited)s, responses %(responses)s, rate %(rate)s",
                invited=names.count(c["recipients"]),
                responses=names.count(c["responses"]),
                rate=rate,
            ),
        )
    doc.ln(2)
    if report.trend:
        _chart(doc, charts.trend(names.periods(report.trend), None, _("Responses over time")))
    for q in report.questions:
        doc.set_font("Helvetica", "B", 12)
        if doc.get_y() > 240:
            doc.add_page()
        doc.multi_cell(0, 6, _latin(names.question(q)), new_x="LMARGIN", new_y="NEXT")
        if q.kind == "text":
            _line(doc, _("Open answers"), names.count(q.n))
            continue
        _line(doc, "n", names.count(q.n))
        s = q.summary
        if s is not None:
            if q.type == "nps":
                _line(doc, "NPS", names.number(s.nps, 0, signed=True))
            interval = f"{names.number(s.ci_low)} - {names.number(s.ci_high)}, 95%"
            _line(doc, _("Mean"), f"{names.number(s.mean)} ({interval})")
            _line(doc, _("Median"), names.number(s.median))
            _line(doc, _("Standard deviation"), names.number(s.sd))
            _line(doc, _("Top-2-box"), names.percent(s.top2))
            if q.type == "nps" and charts.nps(s, names.question(q)):
                _chart(doc, charts.nps(s, names.question(q)))
        if q.bars:
            _chart(doc, charts.bars(q.bars, names.answers(q), names.question(q)))
        if q.groups and q.kind == "scale":
            groups = names.groups(view.breakdown, q.groups)
            _chart(doc, charts.means(groups, q.scale, q.id, nps=q.type == "nps"))
        if q.trend and q.kind == "scale":
            points = names.periods(q.trend)
            _chart(doc, charts.trend(points, q.scale, q.id, nps=q.type == "nps"))
        doc.ln(3)
    return bytes(doc.output())
