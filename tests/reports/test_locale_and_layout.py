"""PDFs print any character (embedded Unicode font), XLSX cells hold numbers as numbers,
Dutch pages write 1.991 and 7,1, and no chart label overlaps another or leaves its chart."""

from __future__ import annotations

import copy
import io
import random
import re
import zipfile
from html import unescape

import openpyxl
import pytest

from appliance.reports import charts
from appliance.reports.derived import Range, Summary
from appliance.reports.report import Bar, Group, Suppressed
from tests.factories import grant, stored_open_survey
from tests.pdftext import pdf_text
from tests.reports import study

SPECIAL = "Tevredenheid — 5 € ë ł ≥ 7"


def _survey(conn, data_dir, cast, title=SPECIAL, sat_text=None, n=8) -> int:
    definition = copy.deepcopy(study.DEFINITION)
    definition["title"] = {"nl": title, "en": title}
    if sat_text:
        sat = next(q for q in definition["pages"][0]["questions"] if q["id"] == "sat")
        sat["text"] = {"nl": sat_text, "en": sat_text}
    survey_id = stored_open_survey(conn, definition)
    rng = random.Random(5)

    for _ in range(n):
        study.respond(conn, data_dir, survey_id, rng)
    grant(conn, cast["researcher"], survey_id)
    return survey_id


def test_the_report_pdf_prints_characters_outside_latin_1(as_role, conn, data_dir, cast):
    survey_id = _survey(conn, data_dir, cast)
    body = as_role("researcher").get(f"/reports/{survey_id}/report.pdf").data
    text = pdf_text(body)
    assert SPECIAL in text
    assert "?" not in text.replace("Recommend?", "").replace("Satisfied?", "")[:200]


def test_the_other_pdfs_use_the_same_unicode_font(app):
    from appliance.pdfdoc import Document

    with app.test_request_context():
        doc = Document()
        doc.add_page()
        doc.multi_cell(0, 6, SPECIAL, new_x="LMARGIN", new_y="NEXT")
        doc.use(12, bold=True)
        doc.multi_cell(0, 6, "≥ ł €")
        assert pdf_text(bytes(doc.output())).startswith(f"{SPECIAL} ≥ ł €")
    # No PDF of the appliance draws with a core (Latin-1) font any more.
    from pathlib import Path

    for name in ("reports/pdf.py", "privacy/subject_export.py", "privacy/record_pdf.py"):
        source = (Path(__file__).parents[2] / "appliance" / name).read_text()
        assert "Helvetica" not in source and "latin-1" not in source, name


def test_report_xlsx_holds_numbers_as_numbers_and_text_never_as_formula(
    as_role, conn, data_dir, cast
):
    survey_id = _survey(conn, data_dir, cast, sat_text='=HYPERLINK("http://x","y")', n=60)
    body = as_role("researcher").get(f"/reports/{survey_id}/report.xlsx").data
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(r"<(\w+:)?f[ >/]", archive.read(name).decode())
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    respondents = next(r for r in rows if r[0].value == "respondents")
    count = respondents[header.index("n")]
    assert count.value == 60 and type(count.value) is int and count.data_type == "n"
    assert count.number_format == "#,##0"
    sat = next(r for r in rows if r[0].value == "question" and "HYPERLINK" in r[1].value)
    assert sat[1].value == '=HYPERLINK("http://x","y")' and sat[1].data_type == "s"
    mean = next(r for r in rows if r[0].value == "question" and r[6].value)[header.index("mean")]
    assert isinstance(mean.value, float) and mean.data_type == "n"
    assert mean.number_format == "#,##0.00"
    column = header.index("share")
    share = next(r for r in rows if r[0].value == "answer" and r[column].value)[column]
    assert isinstance(share.value, float) and share.number_format == "0.0%"


def test_response_xlsx_holds_scores_as_numbers(as_role, conn, data_dir, cast):
    survey_id = _survey(conn, data_dir, cast, n=3)
    body = as_role("staff").get(f"/surveys/{survey_id}/responses.xlsx").data
    rows = [[c for c in r] for r in openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows()]
    header = [c.value for c in rows[0]]
    for row in rows[1:]:
        sat, service = row[header.index("sat")], row[header.index("aspects.service")]
        assert type(sat.value) is int and sat.data_type == "n"
        assert type(service.value) is int
        assert row[header.index("channel")].data_type == "s"


def _dutch(conn, cast, role):
    conn.execute("UPDATE users SET language = 'nl' WHERE id = ?", (cast[role].id,))


def test_dutch_pages_write_thousands_with_a_dot_and_decimals_with_a_comma(
    as_role, conn, data_dir, cast
):
    survey_id = _survey(conn, data_dir, cast, n=60)
    conn.executemany(
        "INSERT INTO suppressions (email_hash, created_at, source) VALUES (?, ?, 'staff')",
        [(i.to_bytes(32, "big"), "2026-11-22T10:00:00Z") for i in range(1991)],
    )
    _dutch(conn, cast, "staff")
    staff = as_role("staff")
    contacts = unescape(staff.get("/contacts").get_data(as_text=True))
    assert "1.991" in contacts and "1991" not in contacts
    report = unescape(staff.get(f"/reports/{survey_id}").get_data(as_text=True))
    means = re.findall(r"<th scope=\"row\">Gemiddelde</th><td>([^<]*)</td>", report)
    shown = [m for m in means if m != "—"]  # a mean too uncertain to publish is a dash
    assert shown and all(re.fullmatch(r"\d+,\d( – \d+,\d)?", m) for m in shown), means
    # The same survey in English: a point.
    conn.execute("UPDATE users SET language = 'en' WHERE id = ?", (cast["staff"].id,))
    english = unescape(as_role("staff").get(f"/reports/{survey_id}").get_data(as_text=True))
    assert re.findall(r"<th scope=\"row\">Mean</th><td>(\d+\.\d)", english)


# ---- charts -------------------------------------------------------------------------------

_TEXT = re.compile(r'<text x="([-\d.]+)" y="([-\d.]+)"[^>]*text-anchor="(\w+)">([^<]*)</text>')


def _labels(svg: str) -> list[tuple[float, float, float, str]]:
    """(start, end, y, text) of every label, with the width the layout assumes."""
    out = []
    for x, y, anchor, text in _TEXT.findall(svg):
        text = unescape(text)
        width = charts.text_width(text)
        start = {"start": 0, "middle": width / 2, "end": width}[anchor]
        out.append((float(x) - start, float(x) - start + width, float(y), text))
    return out


def _check(svg: str) -> list[tuple[float, float, float, str]]:
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    labels = _labels(svg)
    for start, end, _y, text in labels:
        assert start >= 0 and end <= width, (text, start, end)
    for a in labels:
        for b in labels:
            if a is not b and a[2] == b[2]:
                assert a[1] <= b[0] or b[1] <= a[0], (a, b)
    return labels


def _summary(mean: float, low: float | None = None) -> Summary:
    r = Range(mean, mean)
    return Summary(
        n=Range(13, 13),
        mean=r if low is None else Range(low, mean),
        median=r,
        sd=r,
        ci_low=Range(mean - 0.4, mean - 0.4),
        ci_high=Range(mean + 0.4, mean + 0.4),
        top2=Range(0.5, 0.5),
    )


@pytest.mark.parametrize("weeks", [4, 13, 26, 53])
def test_week_labels_never_overlap_nor_leave_the_chart(app, weeks):
    with app.test_request_context():
        points = [
            Group(f"2026-W{w + 1:02d}", 1991 if w % 3 else Suppressed(5)) for w in range(weeks)
        ]
        labels = _check(str(charts.trend(points, None, "Responses")))
    shown = [t for _s, _e, _y, t in labels if "-W" in t]
    assert shown[0] == "2026-W01" and len(shown) >= min(weeks, 5)


def test_group_labels_and_long_figures_fit(app):
    with app.test_request_context():
        groups = [
            Group("Noord-Holland en Flevoland samen", 1991, _summary(7.1, 6.95)),
            Group("zuid", 13, _summary(8.2)),
            Group("oost", Suppressed(5)),
        ]
        labels = _check(str(charts.means(groups, (1, 10), "Grade")))
        assert any("(n=1991)" in t or "(n=1,991)" in t for *_r, t in labels)
        bars = [Bar(str(v), 1991, 0.999) for v in range(3)] + [Bar("x" * 60, Suppressed(5), None)]
        _check(str(charts.bars(bars, {}, "Answers")))
