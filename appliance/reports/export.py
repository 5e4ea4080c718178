"""A gated :class:`Report` as JSON, as flat rows (CSV, XLSX) and as a PDF with its charts.

Contract: these functions read only the Report the gate returned, so an export can hold nothing
the screen would hide: a hidden count is written as ``< k`` (JSON: ``null`` with
``"hidden": true``) and a hidden group carries no statistic.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from appliance.reports.report import Bar, Group, QuestionReport, Report, Suppressed
from appliance.reports.stats import Summary


def _n(value) -> Any:
    return None if isinstance(value, Suppressed) else value


def _summary(s: Summary | None) -> dict | None:
    if s is None:
        return None
    out = {
        "n": s.n,
        "mean": round(s.mean, 2),
        "median": s.median,
        "sd": round(s.sd, 2),
        "ci95": [round(s.ci_low, 2), round(s.ci_high, 2)],
        "top2_share": round(s.top2, 3),
    }
    if s.nps is not None:
        out.update(
            nps=s.nps,
            promoters=round(s.promoters, 3),
            passives=round(s.passives, 3),
            detractors=round(s.detractors, 3),
        )
    return out


def _bar(b: Bar) -> dict:
    return {
        "answer": b.answer,
        "n": _n(b.n),
        "hidden": isinstance(b.n, Suppressed),
        "share": None if b.share is None else round(b.share, 3),
    }


def _group(g: Group) -> dict:
    return {
        "label": g.label,
        "n": _n(g.n),
        "hidden": isinstance(g.n, Suppressed),
        "summary": _summary(g.summary),
        "bars": [_bar(b) for b in g.bars],
    }


def to_json(report: Report, language: str) -> dict:
    view = report.view
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
        "respondents": _n(report.respondents),
        "excluded": report.excluded,
        "groups": [_group(g) for g in report.groups],
        "trend": [_group(g) for g in report.trend],
        "campaigns": [
            {
                **c,
                "responses": _n(c["responses"]),
                "rate": None if c["rate"] is None else round(c["rate"], 3),
            }
            for c in report.campaigns
        ],
        "questions": [
            {
                "id": q.id,
                "type": q.type,
                "text": q.text.get(language) or next(iter(q.text.values())),
                "n": _n(q.n),
                "hidden": isinstance(q.n, Suppressed),
                "summary": _summary(q.summary),
                "bars": [_bar(b) for b in q.bars],
                "groups": [_group(g) for g in q.groups],
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
                round(s.mean, 2),
                s.median,
                round(s.sd, 2),
                round(s.ci_low, 2),
                round(s.ci_high, 2),
                round(s.top2, 3),
                "" if s.nps is None else s.nps,
            ]
        ),
    ]


def rows(report: Report, language: str) -> Iterator[list]:
    """One flat table: respondents, breakdown groups and trend, then per question its total,
    bars, groups and trend. Labels come from the survey; cells are made formula-safe later."""
    yield list(HEADER)
    yield ["respondents", "", "", "", *_cells(report.respondents, None, None)]
    yield ["excluded", "", "", "", report.excluded, *[""] * 8]
    for g in report.groups:
        yield ["respondents by group", "", g.label, "", *_cells(g.n, None, None)]
    for g in report.trend:
        yield ["respondents by period", "", g.label, "", *_cells(g.n, None, None)]
    for q in report.questions:
        yield from _question_rows(q, language)


def _question_rows(q: QuestionReport, language: str) -> Iterator[list]:
    text = q.text.get(language) or next(iter(q.text.values()))
    yield ["question", text, "", "", *_cells(q.n, None, q.summary)]
    for b in q.bars:
        yield ["answer", text, "", b.answer, *_cells(b.n, b.share, None)]
    for g in q.groups:
        yield ["group", text, g.label, "", *_cells(g.n, None, g.summary)]
        for b in g.bars:
            yield ["group answer", text, g.label, b.answer, *_cells(b.n, b.share, None)]
    for g in q.trend:
        yield ["period", text, g.label, "", *_cells(g.n, None, g.summary)]


def xlsx(report: Report, language: str) -> bytes:
    from openpyxl import Workbook

    from appliance.csvsafe import csv_safe

    book = Workbook(write_only=True)
    sheet = book.create_sheet("report")
    for row in rows(report, language):
        sheet.append([csv_safe(c) if isinstance(c, str) else c for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
