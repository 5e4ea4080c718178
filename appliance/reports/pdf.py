"""The gated report as a printable PDF (fpdf2), with the same SVG charts as the page."""

from __future__ import annotations

import io
import re
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _

from appliance.interviews import rates
from appliance.pdfdoc import Document, svg_for_pdf
from appliance.reports import charts
from appliance.reports.labels import Labels
from appliance.reports.report import Report

# Tooltips mean nothing on paper, and fpdf2 warns about every one.
_TITLES = re.compile(r"<title>.*?</title>")


def _chart(doc: Document, svg) -> None:
    if doc.get_y() > 220:
        doc.add_page()
    # The chart's text is drawn with the embedded font too.
    doc.image(io.BytesIO(svg_for_pdf(_TITLES.sub("", str(svg))).encode()), w=170)
    doc.ln(2)


def _line(doc: Document, label: str, value) -> None:
    doc.use(10)
    doc.cell(70, 6, label)
    doc.multi_cell(0, 6, str(value), new_x="LMARGIN", new_y="NEXT")


def render(report: Report, names: Labels, organisation: str) -> bytes:
    doc = Document()
    doc.footer_text = _("Aggregated results; figures below %(k)d responses hidden", k=report.k)
    doc.set_auto_page_break(True, margin=16)
    doc.add_page()
    doc.use(16, bold=True)
    doc.multi_cell(0, 8, report.title, new_x="LMARGIN", new_y="NEXT")
    doc.use(10)
    view = report.view
    scope = (
        f"{view.filter[0]} = {names.group(None, view.filter[1])}"
        if view.filter
        else _("all respondents")
    )
    if organisation:
        _line(doc, _("Organisation"), organisation)
    _line(doc, _("Report of"), format_date(date.today(), "d MMMM yyyy"))
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
    for row in report.rates:
        _line(doc, _mode_rates_label(row), _rates_text(row, names))
    doc.ln(2)
    if report.trend:
        _chart(doc, charts.trend(names.periods(report.trend), None, _("Responses over time")))
    for q in report.questions:
        doc.use(12, bold=True)
        if doc.get_y() > 240:
            doc.add_page()
        doc.multi_cell(0, 6, names.question(q), new_x="LMARGIN", new_y="NEXT")
        if q.kind == "text":
            _line(doc, _("Open answers"), names.count(q.n))
            continue
        _line(doc, "n", names.count(q.n))
        s = q.summary
        if s is not None:
            if q.type == "nps":
                _line(doc, "NPS", names.number(s.nps, 0, signed=True))
            interval = f"{names.number(s.ci_low)} \u2013 {names.number(s.ci_high)}, 95%"
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


def _mode_rates_label(row) -> str:
    mode = _("All modes") if row.mode == "all" else _(rates.MODE_LABELS[row.mode])
    return _("Response rates: %(mode)s", mode=mode)


def _rates_text(row, names: Labels) -> str:
    """The seven AAPOR rates of a mode on one line, or why they are not shown."""
    if row.hidden or row.rates is None:
        return _("hidden (fewer than %(k)d responses behind them)", k=names.report.k)
    # One decimal, as on the page: rates near each other must not look the same.
    return ", ".join(
        f"{name.upper()} " + ("\u2013" if value is None else f"{names.plain(value * 100, 1)}%")
        for name, value in row.rates.named()
    )
