"""A gated :class:`Report` as JSON, as flat rows (CSV, XLSX) and as a PDF with its charts.

Contract: these functions read only the Report the gate returned, so an export can hold nothing
the screen would hide: a hidden count is written as ``< k`` (JSON: ``null`` with
``"hidden": true``), a hidden group carries no statistic, and a statistic known only within a
range (``derived.Range``) is written as that range (JSON: ``{"min": .., "max": ..}``, rounded
outwards; CSV: ``min–max``), or left empty when the report leaves it out.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from typing import Any

from appliance.csvsafe import COUNT, DECIMALS, PERCENT, xlsx_cell
from appliance.reports.derived import Range, Summary
from appliance.reports.dispositions import RateRow
from appliance.reports.labels import Labels, wave_label
from appliance.reports.report import Bar, Group, QuestionReport, Report, Suppressed

# Decimals per figure in JSON, CSV and XLSX.
DIGITS = {"n": 0, "mean": 2, "median": 1, "sd": 2, "ci": 2, "share": 3, "nps": 1}


def _n(value) -> Any:
    return None if isinstance(value, Suppressed) else value


def figure(value: Range | None, digits: int) -> Any:
    """A published figure as a number, a {min, max} range rounded outwards, or None."""
    if value is None:
        return None
    if value.exact:
        return round(value.low, digits) if digits else round(value.low)
    scale = 10**digits
    low = math.floor(value.low * scale + 1e-9) / scale
    high = math.ceil(value.high * scale - 1e-9) / scale
    if digits == 0:
        low, high = int(low), int(high)
    return {"min": low, "max": high}


def _text(value: Range | None, digits: int) -> Any:
    """A figure in a CSV/XLSX cell: a number, ``min–max`` as text, or empty."""
    found = figure(value, digits)
    if found is None:
        return ""
    if isinstance(found, dict):
        return f"{found['min']}\u2013{found['max']}"
    return found


def _summary(s: Summary | None) -> dict | None:
    if s is None:
        return None
    out = {
        "n": figure(s.n, DIGITS["n"]),
        "mean": figure(s.mean, DIGITS["mean"]),
        "median": figure(s.median, DIGITS["median"]),
        "sd": figure(s.sd, DIGITS["sd"]),
        "ci95": [figure(s.ci_low, DIGITS["ci"]), figure(s.ci_high, DIGITS["ci"])],
        "top2_share": figure(s.top2, DIGITS["share"]),
    }
    if s.is_nps:
        out.update(
            nps=figure(s.nps, DIGITS["nps"]),
            promoters=figure(s.promoters, DIGITS["share"]),
            passives=figure(s.passives, DIGITS["share"]),
            detractors=figure(s.detractors, DIGITS["share"]),
        )
    return out


def _bar(b: Bar) -> dict:
    return {
        "answer": b.answer,
        "n": _n(b.n),
        "hidden": isinstance(b.n, Suppressed),
        "share": None if b.share is None else round(b.share, 3),
    }


def _group(g: Group, name: str | None = None) -> dict:
    return {
        "label": g.label,
        **({"name": name} if name is not None else {}),
        "n": _n(g.n),
        "hidden": isinstance(g.n, Suppressed),
        "summary": _summary(g.summary),
        "bars": [_bar(b) for b in g.bars],
    }


def _rate_row(row: RateRow) -> dict:
    """A mode's response rates (``reports.dispositions``): nothing but the mode when hidden."""
    if row.hidden or row.rates is None:
        return {"mode": row.mode, "hidden": True}
    return {
        "mode": row.mode,
        "hidden": False,
        "cases": [
            {"code": o.code, "aapor": o.aapor, "group": o.group, "n": n} for o, n in row.counts
        ],
        "groups": dict(row.groups),
        "rates": {
            name: None if value is None else round(value, 4) for name, value in row.rates.named()
        },
        "e": None if row.rates.e is None else round(row.rates.e, 4),
        "e_fixed": row.rates.e_fixed,
    }


def to_json(report: Report, language: str) -> dict:
    view = report.view
    names = Labels(report, language)

    def group(g: Group) -> dict:
        return _group(g, names.group(view.breakdown, g.label))

    return {
        "survey": report.survey_id,
        "title": report.title,
        "min_group_size": report.k,
        "min_open_text_count": report.k_text,
        "view": {
            "filter": None
            if not view.filter
            else {"attribute": view.filter[0], "value": view.filter[1]},
            "breakdown": view.breakdown,
            "period": report.period,
        },
        "filters": {
            attribute: [
                {"value": v, "name": names.group(None, v), "allowed": allowed}
                for v, allowed in values
            ]
            for attribute, values in report.filters.items()
        },
        "respondents": _n(report.respondents),
        "excluded": _n(report.excluded),
        "groups": [group(g) for g in report.groups],
        "trend": [_group(g) for g in report.trend],
        "campaigns": [
            {
                "label": wave_label(c, report.campaigns),
                "started_on": c["started_on"],
                "recipients": _n(c["recipients"]),
                "responses": _n(c["responses"]),
                "hidden": isinstance(c["responses"], Suppressed),
                "rate": None if c["rate"] is None else round(c["rate"], 3),
            }
            for c in report.campaigns
        ],
        "response_rates": [_rate_row(row) for row in report.rates],
        "questions": [
            {
                "id": q.id,
                "type": q.type,
                "text": q.text.get(language) or next(iter(q.text.values())),
                "n": _n(q.n),
                "hidden": isinstance(q.n, Suppressed),
                "summary": _summary(q.summary),
                "bars": [_bar(b) for b in q.bars],
                "groups": [group(g) for g in q.groups],
                "trend": [_group(g) for g in q.trend],
                "benchmark": None
                if q.benchmark is None
                else {k: q.benchmark[k] for k in ("mean", "nps", "top2")},
            }
            for q in report.questions
        ],
    }


HEADER = (
    "section", "question", "group", "answer", "n", "share", "mean", "median", "sd",
    "ci95_low", "ci95_high", "top2_share", "nps",
)  # fmt: skip


def _cells(n, share, summary: Summary | None) -> list:
    s = summary
    return [
        str(n) if isinstance(n, Suppressed) else n,
        "" if share is None else round(share, 3),
        *(
            ["", "", "", "", "", "", ""]
            if s is None
            else [
                _text(s.mean, DIGITS["mean"]),
                _text(s.median, DIGITS["median"]),
                _text(s.sd, DIGITS["sd"]),
                _text(s.ci_low, DIGITS["ci"]),
                _text(s.ci_high, DIGITS["ci"]),
                _text(s.top2, DIGITS["share"]),
                _text(s.nps, DIGITS["nps"]),
            ]
        ),
    ]


def rows(report: Report, language: str) -> Iterator[list]:
    """One flat table: respondents, breakdown groups and trend, waves, response rates, then per
    question its total, bars, groups and trend. Labels come from the survey, groups are named as
    on the page; cells are made formula-safe later."""
    names = Labels(report, language)
    yield list(HEADER)
    yield ["respondents", "", "", "", *_cells(report.respondents, None, None)]
    yield ["excluded", "", "", "", _cells(report.excluded, None, None)[0], *[""] * 8]
    for g in report.groups:
        name = names.group(report.view.breakdown, g.label)
        yield ["respondents by group", "", name, "", *_cells(g.n, None, None)]
    for g in report.trend:
        yield ["respondents by period", "", g.label, "", *_cells(g.n, None, None)]
    for c in report.campaigns:
        label = wave_label(c, report.campaigns)
        yield ["campaign invited", "", label, "", *_cells(c["recipients"], None, None)]
        yield ["campaign responses", "", label, "", *_cells(c["responses"], c["rate"], None)]
    for r in report.rates:
        yield from _rate_rows(r)
    for q in report.questions:
        yield from _question_rows(q, names)


def _rate_rows(row: RateRow) -> Iterator[list]:
    """A sampled mode's cases per AAPOR code and its rates (as shares), or one row saying the
    mode's rates are hidden; ``mode`` "all" holds the modes together."""
    blank = [""] * 7
    if row.hidden or row.rates is None:
        yield ["response rates hidden", "", row.mode, "", "", "", *blank]
        return
    for outcome, n in row.counts:
        yield ["cases", "", row.mode, f"{outcome.aapor} {outcome.code}", n, "", *blank]
    for group, n in row.groups:
        yield ["cases by group", "", row.mode, group, n, "", *blank]
    for name, value in row.rates.named():
        share = "" if value is None else round(value, 3)
        yield ["response rate", "", row.mode, name.upper(), "", share, *blank]
    e = "" if row.rates.e is None else round(row.rates.e, 3)
    fixed = "fixed" if row.rates.e_fixed else ""
    yield ["eligibility estimate e", "", row.mode, fixed, "", e, *blank]


def _question_rows(q: QuestionReport, names: Labels) -> Iterator[list]:
    text = names.question(q)
    yield ["question", text, "", "", *_cells(q.n, None, q.summary)]
    for b in q.bars:
        yield ["answer", text, "", b.answer, *_cells(b.n, b.share, None)]
    for g in q.groups:
        name = names.group(names.report.view.breakdown, g.label)
        yield ["group", text, name, "", *_cells(g.n, None, g.summary)]
        for b in g.bars:
            yield ["group answer", text, name, b.answer, *_cells(b.n, b.share, None)]
    for g in q.trend:
        yield ["period", text, g.label, "", *_cells(g.n, None, g.summary)]
        for b in g.bars:
            yield ["period answer", text, g.label, b.answer, *_cells(b.n, b.share, None)]


# The number format of each column of ``HEADER`` in the XLSX (shares as percentages).
_FORMATS = {
    "n": COUNT,
    "share": PERCENT,
    "mean": DECIMALS[DIGITS["mean"]],
    "median": DECIMALS[DIGITS["median"]],
    "sd": DECIMALS[DIGITS["sd"]],
    "ci95_low": DECIMALS[DIGITS["ci"]],
    "ci95_high": DECIMALS[DIGITS["ci"]],
    "top2_share": PERCENT,
    "nps": DECIMALS[DIGITS["nps"]],
}


def xlsx(report: Report, language: str) -> bytes:
    """The rows of :func:`rows` as a sheet: counts and figures are numbers with a number format
    (a Dutch Excel shows 1.991 and 7,10), text is text and never a formula."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("report")
    formats = [_FORMATS.get(name) for name in HEADER]
    for row in rows(report, language):
        sheet.append([xlsx_cell(sheet, c, f) for c, f in zip(row, formats, strict=True)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
