"""Response rates in the report: copied at a release from the calls and invitations (which the
researcher's gate cannot read), shown to staff and the researcher alike, and hidden where the
completes of a mode would give away a small group of responses."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from appliance.reports import release_service
from tests.factories import grant, open_survey, submit_response
from tests.interviews.dispositions_world import Sample
from tests.pdftext import pdf_text

K = 5


def answers(n: int):
    return {"nps": str(n % 11)}


@pytest.fixture
def fieldwork(conn, data_dir, cast):
    """A survey with a telephone campaign of 12 cases (6 complete, 2 refusals, 3 not reached,
    1 wrong number) and their 6 phone responses, 10 responses through the open link and 5 at
    a kiosk (so that the breakdown by mode shows the phone's responses: with only two modes
    answered, one of them would be hidden to protect the empty ones)."""
    survey_id = open_survey(conn)
    grant(conn, cast["researcher"], survey_id)
    sample = Sample(conn, data_dir, survey_id)
    phone = sample.campaign("phone")
    sample.calls(phone, {"complete": 6, "refusal": 2, "no_answer": 3, "wrong_number": 1})
    for i in range(6):
        submit_response(conn, data_dir, survey_id, answers(i), f"p{i}", mode="phone")
    for i in range(10):
        submit_response(conn, data_dir, survey_id, answers(i), f"l{i}", mode="link")
    for i in range(5):
        submit_response(conn, data_dir, survey_id, answers(i), f"k{i}", mode="kiosk")
    return sample


def section(page: str, mode: str) -> str:
    """The part of the report's response rates about ``mode``."""
    start = page.index(f'<div class="rates-mode" id="rates-{mode}">')
    return re.split(r'<div class="rates-mode"|</section>', page[start + 10 :])[0]


def report(browser, survey_id: int) -> str:
    r = browser.get(f"/reports/{survey_id}")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def test_staff_and_the_researcher_see_the_rates_of_the_release(as_role, conn, fieldwork):
    survey_id = fieldwork.survey_id
    for role in ("researcher", "staff"):
        page = report(as_role(role), survey_id)
        phone = section(page, "phone")
        # RR1 = 6 / (6 + 2 + 3) = 54.5%; CON1 = (6 + 2) / 11 = 72.7%; 1 not eligible.
        assert "54.5%" in phone and "72.7%" in phone
        assert "Wrong or non-working number" in phone
        assert "rates-all" in page
    # The gate read the copy made at the release, not the calls: a refusal recorded since
    # shows only at the next release.
    fieldwork.call(fieldwork.campaign("phone"), "refusal")
    assert "54.5%" in section(report(as_role("researcher"), survey_id), "phone")
    for i in range(K):
        submit_response(conn, fieldwork.data_dir, survey_id, answers(i), f"n{i}", mode="link")
    assert release_service.cut_due(conn, K) == [survey_id]
    # 6 / (6 + 3 + 3) = 50%.
    assert "50.0%" in section(report(as_role("researcher"), survey_id), "phone")


def test_completes_of_a_mode_whose_responses_are_hidden_are_hidden_too(
    as_role, conn, data_dir, fieldwork
):
    """The attack: two e-mail responses are below k, so the breakdown by mode hides them; the
    e-mail completes (2) would show them, and so would all modes' completes less the phone's."""
    survey_id = fieldwork.survey_id
    email = fieldwork.campaign("email")
    for i in range(2):
        token, _ = fieldwork.invitation(email, states=["sent"])
        submit_response(
            conn, data_dir, survey_id, answers(i), f"e{i}", mode="invitation", invitation=token
        )
    for _ in range(5):
        fieldwork.invitation(email, states=["sent"])
    for i in range(3):
        submit_response(conn, data_dir, survey_id, answers(i), f"m{i}", mode="link")
    release_service.cut_due(conn, K)
    researcher = as_role("researcher")
    by_mode = researcher.get(f"/reports/{survey_id}?breakdown=mode").get_data(as_text=True)
    table = by_mode[by_mode.index('id="breakdown-table"') :].split("</table>")[0]
    assert re.search(r"invitation</td><td>&lt; 5", table)  # the breakdown hides them
    page = report(researcher, survey_id)
    for hidden in ("email", "all"):
        part = section(page, hidden)
        assert "Hidden" in part and "<table" not in part and "%" not in part
    assert "54.5%" in section(page, "phone")  # the phone's own figures stay


def test_a_mode_whose_completes_differ_from_its_responses_by_a_few_is_hidden(
    as_role, conn, data_dir, fieldwork
):
    """Two more completes than phone responses (two were excluded, say): the difference would
    count a small group of responses."""
    survey_id = fieldwork.survey_id
    fieldwork.calls(fieldwork.campaign("phone"), {"complete": 2})
    for i in range(K):
        submit_response(conn, data_dir, survey_id, answers(i), f"x{i}", mode="link")
    release_service.cut_due(conn, K)
    page = report(as_role("researcher"), survey_id)
    assert "Hidden" in section(page, "phone") and "%" not in section(page, "phone")


def test_a_telephone_wave_does_not_show_the_responses_the_mode_breakdown_hides(
    as_role, conn, data_dir, cast
):
    """Open link 10 and telephone 6: the breakdown by mode hides the telephone's 6 to protect
    the modes nobody used. The telephone campaign's wave would show them as its responses."""
    survey_id = open_survey(conn)
    grant(conn, cast["researcher"], survey_id)
    sample = Sample(conn, data_dir, survey_id)
    phone = sample.campaign("phone")
    sample.calls(phone, {"complete": 6, "refusal": 6})
    conn.execute("UPDATE campaigns SET recipients = 12, responses = 6 WHERE id = ?", (phone,))
    for i in range(6):
        submit_response(conn, data_dir, survey_id, answers(i), f"p{i}", mode="phone")
    for i in range(10):
        submit_response(conn, data_dir, survey_id, answers(i), f"l{i}", mode="link")
    researcher = as_role("researcher")
    by_mode = researcher.get(f"/reports/{survey_id}?breakdown=mode").get_data(as_text=True)
    assert re.search(r"telephone</td><td>&lt; 5", by_mode)
    page = report(researcher, survey_id)
    waves = page[page.index('id="campaigns"') :].split("</table>")[0]
    assert "<td>12</td><td>&lt; 5</td>" in waves and "<td>6</td>" not in waves
    assert "Hidden" in section(page, "phone")


def test_the_json_export_carries_the_same_rates_and_hides_the_same(
    as_role, conn, data_dir, fieldwork
):
    survey_id = fieldwork.survey_id
    email = fieldwork.campaign("email")
    for i in range(2):
        token, _ = fieldwork.invitation(email, states=["sent"])
        submit_response(
            conn, data_dir, survey_id, answers(i), f"e{i}", mode="invitation", invitation=token
        )
    for i in range(3):
        submit_response(conn, data_dir, survey_id, answers(i), f"m{i}", mode="link")
    release_service.cut_due(conn, K)
    body = as_role("researcher").get(f"/reports/{survey_id}/data.json").get_json()
    rows = {row["mode"]: row for row in body["response_rates"]}
    assert rows["email"] == {"mode": "email", "hidden": True}
    assert rows["all"] == {"mode": "all", "hidden": True}
    phone = rows["phone"]
    assert phone["rates"]["rr1"] == round(6 / 11, 4)
    assert {"code": "complete", "aapor": "1.1", "group": "I", "n": 6} in phone["cases"]


def test_the_csv_xlsx_and_pdf_carry_the_rates_the_page_shows(as_role, fieldwork):
    """The researcher's files hold the rates of the page: the telephone's cases and RR1, and
    the e-mail campaign's rates hidden as on the page."""
    survey_id = fieldwork.survey_id
    browser = as_role("researcher")
    lines = browser.get(f"/reports/{survey_id}/report.csv").get_data(as_text=True).splitlines()
    rows = list(csv.reader(lines))
    assert rows_like(rows, "RR1", "phone") == ["response rate", "", "phone", "RR1", "", "0.545"]
    assert rows_like(rows, "1.1 complete") == ["cases", "", "phone", "1.1 complete", "6", ""]
    book = load_workbook(io.BytesIO(browser.get(f"/reports/{survey_id}/report.xlsx").data))
    cells = [[c for c in r] for r in book.active.iter_rows(values_only=True)]
    (rr1,) = [r for r in cells if r[0] == "response rate" and r[2] == "phone" and r[3] == "RR1"]
    assert rr1[5] == pytest.approx(0.545)
    text = pdf_text(browser.get(f"/reports/{survey_id}/report.pdf").data)
    assert "RR1 54.5%" in text.replace("\xa0", " ")


def rows_like(rows: list[list[str]], answer: str, mode: str = "phone") -> list[str]:
    (row,) = [r for r in rows if r[3] == answer and r[2] == mode]
    return row[:6]
