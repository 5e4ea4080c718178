"""Stored XSS never runs, and exported formulas never calculate.

A survey whose title, intro, closing text, question texts, choice labels and matrix rows hold
script payloads is answered through the real respondent pages with the same payloads and with
spreadsheet formulas as open answers. Staff then walks through every page that shows any of it
(survey list, survey page, kiosk page, previews, responses, each response, an exclusion reason)
and downloads the CSV and XLSX exports.

Every browser context here bypasses the Content Security Policy: the CSP alone would already
block inline scripts and handlers, so bypassing it shows that the escaping itself holds. On every
page: no dialog opened, ``window.__xss`` stays undefined, the DOM holds no injected element or
event-handler attribute, and the payload is shown as text.

A second test (HTTP only) keeps control characters in an answer from breaking the XLSX export.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

import openpyxl
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect, sync_playwright

from appliance import db
from appliance.auth.service import CLI
from appliance.surveys import service
from appliance.surveys import store as surveys_store
from tests.browser.test_contact_import import _add_staff, sign_in_staff, sign_in_staff_http
from tests.browser.test_first_admin import UI_TIMEOUT_MS, _require_chromium, chromium_context
from tests.serving import Server, running_server

PAYLOADS = (
    "<script>window.__xss=1;alert('script')</script>",
    "<img src=x onerror=\"window.__xss=1;alert('img')\">",
    '"><svg onload=window.__xss=1;alert(1)>',
    "</textarea><script>window.__xss=1;alert('textarea')</script>",
    "</title><script>window.__xss=1;alert('title')</script>",
    "' autofocus onfocus='window.__xss=1;alert(2)",
    '" autofocus onfocus="window.__xss=1;alert(3)',
)
HOSTILE = " ".join(PAYLOADS)
FORMULAS = ('=HYPERLINK("http://x")', "+1", "-1", "@SUM(1)")
# What a respondent types (leading tab and CR included: the answer is stripped, then neutralised).
TAB_FORMULA = "\t=1+2"
KIOSK_NAME = '<img src=x onerror="window.__xss=1;alert(4)">'  # at most 80 characters
# A spreadsheet takes a cell starting with one of these as a formula (appliance/csvsafe.py).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXCLUDE_REASON = '=HYPERLINK("http://x") <svg onload=window.__xss=1;alert(5)>'


def _t(label: str) -> dict[str, str]:
    return {"nl": f"{label} NL {HOSTILE}", "en": f"{label} EN {HOSTILE}"}


DEFINITION: dict[str, Any] = {
    "languages": ["nl", "en"],
    "anonymous": True,
    "title": _t("Titel"),
    "intro": _t("Intro"),
    "closing": _t("Slot"),
    "pages": [
        {
            "id": "main",
            "questions": [
                {
                    "id": "choice",
                    "type": "single",
                    "required": True,
                    "text": _t("Keuze"),
                    "choices": [
                        {"value": "a", "label": _t("Optie A")},
                        {"value": "b", "label": _t("Optie B")},
                    ],
                },
                {
                    "id": "grid",
                    "type": "matrix",
                    "scale": [1, 3],
                    "text": _t("Raster"),
                    "items": [{"value": "r1", "label": _t("Rij")}],
                },
                {"id": "remark", "type": "text_long", "text": _t("Opmerking")},
                {"id": "short", "type": "text_short", "text": _t("Kort")},
            ],
        }
    ],
}
# (language, choice label prefix, long answer, short answer) per response.
ANSWERS = (
    ("nl", "Optie A", FORMULAS[0], FORMULAS[1]),
    ("en", "Optie B", HOSTILE, FORMULAS[2]),
    ("nl", "Optie A", FORMULAS[3], TAB_FORMULA),
)

# Anything the payloads could have put in the DOM if a text were not escaped.
INJECTED_JS = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name)) found.push(`${el.tagName} ${attr.name}`);
    }
  }
  for (const s of document.scripts) {
    if (s.textContent.includes('__xss')) found.push('inline script');
  }
  for (const el of document.querySelectorAll('svg, img[src="x"], [autofocus]')) {
    found.push(el.outerHTML.slice(0, 80));
  }
  return found;
}"""


def test_stored_xss_never_runs_and_exports_are_formula_safe(tmp_path):
    _require_chromium()  # before anything else: a missing browser is a failure, not a skip
    with running_server(tmp_path) as server, chromium_context() as context:
        _add_staff(server)
        survey_id, link_token = _hostile_survey(server)
        assert context.browser is not None
        _respond(server, context.browser, link_token)
        _staff_views(server, context.browser, survey_id, tmp_path)


def _hostile_survey(server: Server) -> tuple[int, str]:
    conn = db.connect(db.db_path(server.data_dir))
    try:
        survey_id = service.create_from_template(conn, CLI, "nps")
        service.update_definition(conn, CLI, survey_id, DEFINITION)
        service.change_status(conn, CLI, survey_id, "open")
        token = surveys_store.get_survey(conn, survey_id)["link_token"]
    finally:
        conn.close()
    return survey_id, token


class Watch:
    """One page whose dialogs are recorded (and dismissed) from the moment it exists."""

    def __init__(self, context: BrowserContext):
        self.dialogs: list[str] = []
        self.page: Page = context.new_page()
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def assert_inert(self, where: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        assert self.dialogs == [], f"{where}: a dialog opened: {self.dialogs}"
        assert page.evaluate("window.__xss") is None, f"{where}: a payload ran"
        injected = page.evaluate(INJECTED_JS)
        assert injected == [], f"{where}: markup from a payload is in the DOM: {injected}"


def _new_context(browser: Browser) -> BrowserContext:
    # bypass_csp: the escaping must hold on its own, without the CSP as a safety net.
    context = browser.new_context(
        locale="en-GB", viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(UI_TIMEOUT_MS)
    return context


def _expect_texts(page: Page, locator_css: str, *labels: str, lang: str = "nl") -> None:
    """Each labelled text (label, language, all payloads) shows as plain text."""
    for label in labels:
        expect(page.locator(locator_css).first).to_contain_text(f"{label} {lang.upper()} {HOSTILE}")


def _respond(server: Server, browser: Browser, token: str) -> None:
    url = f"{server.base_url}/s/{token}"
    context = _new_context(browser)
    try:
        watch = Watch(context)
        page = watch.page
        # The survey page and the page with errors (nothing answered) show every text.
        page.goto(url)
        watch.assert_inert("survey page")
        expect(page).to_have_title(f"Titel NL {HOSTILE}")
        _expect_texts(page, "main", "Titel", "Intro", "Keuze", "Optie A", "Optie B", "Raster")
        _expect_texts(page, "main", "Rij", "Opmerking", "Kort")
        page.get_by_role("button").click()
        expect(page.get_by_role("alert")).to_be_visible()
        watch.assert_inert("survey page with errors")
        _expect_texts(page, "main", "Titel", "Keuze", "Optie A")

        for lang, choice, long_answer, short_answer in ANSWERS:
            page.goto(f"{url}?lang={lang}")
            watch.assert_inert(f"survey page ({lang})")
            label = re.compile(rf"^{choice} {lang.upper()} ")
            page.get_by_role("radio", name=label).check()
            if lang == "en":
                page.get_by_role("radio", name=re.compile(r": 2$")).check()  # the matrix row
            page.get_by_role("textbox", name=re.compile(r"^Opmerking ")).fill(long_answer)
            page.get_by_role("textbox", name=re.compile(r"^Kort ")).fill(short_answer)
            page.get_by_role("button").click()
            expect(page.locator("main")).to_contain_text(f"Slot {lang.upper()} {HOSTILE}")
            watch.assert_inert(f"thank-you page ({lang})")
        # The transparency page names the survey's organisation, not the survey: still inert.
        page.goto(f"{url}/privacy")
        watch.assert_inert("transparency page")
        assert context.cookies() == [], context.cookies()
    finally:
        context.close()


def _staff_views(server: Server, browser: Browser, survey_id: int, tmp_path) -> None:
    base = server.base_url
    context = _new_context(browser)
    try:
        watch = Watch(context)
        page = watch.page
        sign_in_staff(page, base)

        # Survey list: the title (first language) as text.
        page.goto(f"{base}/surveys/")
        watch.assert_inert("survey list")
        _expect_texts(page, "main table", "Titel")

        # The survey's page, and a kiosk whose name is a payload (registered through the form).
        edit_url = f"{base}/surveys/{survey_id}"
        page.goto(edit_url)
        watch.assert_inert("survey page")
        _expect_texts(page, "h1", "Titel")
        expect(page).to_have_title(re.compile(re.escape(f"Titel NL {HOSTILE}")))
        page.get_by_label("Kiosk name (where it stands)").fill(KIOSK_NAME)
        page.get_by_role("button", name="Register a kiosk").click()
        expect(page.locator("#kiosk-url")).to_be_visible()
        watch.assert_inert("kiosk registered page")
        expect(page.get_by_role("heading", level=1)).to_contain_text(KIOSK_NAME)
        page.goto(edit_url)
        watch.assert_inert("survey page with a kiosk")
        expect(page.locator("main")).to_contain_text(KIOSK_NAME)

        # Previews in both languages: every text of the questionnaire.
        for lang in ("nl", "en"):
            page.goto(f"{edit_url}/preview?lang={lang}")
            watch.assert_inert(f"preview ({lang})")
            _expect_texts(page, "main", "Titel", "Intro", "Keuze", "Optie A", "Optie B", lang=lang)
            _expect_texts(page, "main", "Raster", "Rij", "Opmerking", "Kort", lang=lang)

        # Responses, then each response in full.
        responses_url = f"{edit_url}/responses"
        page.goto(responses_url)
        watch.assert_inert("responses list")
        _expect_texts(page, "main", "Titel")
        rows = page.locator("table tbody tr")
        expect(rows).to_have_count(len(ANSWERS))
        details = [
            link.get_attribute("href")
            for link in page.get_by_role("link", name="Open", exact=True).all()
        ]
        assert len(details) == len(ANSWERS), details
        hostile_detail = None
        for href in details:
            page.goto(f"{base}{href}")
            watch.assert_inert(f"response {href}")
            main = page.locator("main")
            lang = "en" if "language: English" in main.inner_text() else "nl"
            _expect_texts(page, "main", "Keuze", "Raster", "Rij", "Opmerking", "Kort", lang=lang)
            if lang == "en":
                expect(main).to_contain_text(HOSTILE)  # the open answer, as text
                hostile_detail = page.url
        assert hostile_detail is not None

        # An exclusion reason holding a payload and a formula.
        page.goto(hostile_detail)
        page.locator("#reason").fill(EXCLUDE_REASON)
        page.get_by_role("button", name="Exclude from all figures").click()
        expect(page.get_by_role("button", name="Include again")).to_be_visible()
        watch.assert_inert("excluded response")
        expect(page.locator("main")).to_contain_text(EXCLUDE_REASON)
        page.goto(responses_url)
        watch.assert_inert("responses list with an exclusion")

        _check_exports(page, watch, base, tmp_path)
    finally:
        context.close()


def _download(page: Page, base: str, name: str, tmp_path) -> tuple[bytes, dict[str, str]]:
    link = page.get_by_role("link", name=name, exact=True)
    href = link.get_attribute("href")
    assert href, name
    # The browser treats it as a download (the page stays where it is) ...
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / f"export.{name.lower()}"
    info.value.save_as(saved)
    # ... and the headers say why, through the same signed-in session.
    answer = page.request.get(f"{base}{href}")
    assert answer.status == 200, answer.status
    if name == "XLSX":  # the workbook records when it was made: compare the cells
        assert _cells(answer.body()) == _cells(saved.read_bytes())
    else:
        assert answer.body() == saved.read_bytes()
    return saved.read_bytes(), answer.headers


def _cells(data: bytes) -> list:
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _check_headers(headers: dict[str, str], ext: str) -> None:
    disposition = headers.get("content-disposition", "")
    assert disposition.startswith("attachment;"), disposition
    assert re.search(rf'filename="[^"/\\]+\.{ext}"', disposition), disposition
    content_type = headers.get("content-type", "")
    assert content_type and "html" not in content_type.lower(), content_type
    assert headers.get("x-content-type-options") == "nosniff", headers


def _check_exports(page: Page, watch: Watch, base: str, tmp_path) -> None:
    # CSV: every cell quoted, none starting with a formula character (csvsafe's rule).
    body, headers = _download(page, base, "CSV", tmp_path)
    _check_headers(headers, "csv")
    assert headers["content-type"].startswith("text/csv"), headers["content-type"]
    text = body.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + len(ANSWERS), rows
    assert all(line.startswith('"') for line in text.splitlines()), text
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), f"formula in the CSV: {cell!r}"
    table = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    remarks = sorted(r["remark"] for r in table)
    shorts = sorted(r["short"] for r in table)
    assert remarks == sorted([*("'" + f for f in (FORMULAS[0], FORMULAS[3])), HOSTILE]), remarks
    # The leading tab is stripped from the answer; what is left is neutralised too.
    assert shorts == sorted(["'" + FORMULAS[1], "'" + FORMULAS[2], "'=1+2"]), shorts
    reasons = [r["excluded_reason"] for r in table if r["excluded_reason"]]
    assert reasons == ["'" + EXCLUDE_REASON], reasons

    # XLSX: every text cell a string as typed, no formula anywhere in the sheet.
    body, headers = _download(page, base, "XLSX", tmp_path)
    _check_headers(headers, "xlsx")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets, archive.namelist()
        for name in sheets:
            xml = archive.read(name).decode("utf-8")
            assert not re.search(r"<(\w+:)?f[ >/]", xml), f"a formula element in {name}"
    book = openpyxl.load_workbook(io.BytesIO(body))
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None or cell.value == "":
                    continue
                if cell.data_type == "n":  # a score is a number, never text: spreadsheets sum it
                    assert type(cell.value) is int, (cell.coordinate, cell.value)
                    continue
                assert cell.data_type == "s", (cell.coordinate, cell.data_type, cell.value)
                assert isinstance(cell.value, str), (cell.coordinate, cell.value)
                values.append(cell.value)
    for expected in (*FORMULAS, "=1+2", HOSTILE, EXCLUDE_REASON):
        assert expected in values, (expected, values)
    watch.assert_inert("responses list after the downloads")


# Control characters XML 1.0 cannot hold (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F) once made
# the whole survey's XLSX export answer 500: one respondent on an open link could break it.
def test_xlsx_export_survives_control_characters_in_an_answer(tmp_path):
    with running_server(tmp_path) as server:
        _add_staff(server)
        conn = db.connect(db.db_path(server.data_dir))
        try:
            survey_id = service.create_from_template(conn, CLI, "nps")
            service.change_status(conn, CLI, survey_id, "open")
            token = surveys_store.get_survey(conn, survey_id)["link_token"]
        finally:
            conn.close()
        base = server.base_url
        with sync_playwright() as p:
            http = p.request.new_context(base_url=base)
            try:
                page = http.get(f"/s/{token}").text()
                state = re.search(r'name="state" value="([^"]+)"', page)
                assert state, page
                answer = "first line\x0bsecond line \x1b[31m"
                sent = http.post(
                    f"/s/{token}",
                    form={
                        "state": state[1],
                        "lang": "nl",
                        "website": "",
                        "nps": "7",
                        "why": answer,
                    },
                )
                assert sent.status == 200, sent.status
                sign_in_staff_http(http)
                csv_export = http.get(f"/surveys/{survey_id}/responses.csv")
                assert csv_export.status == 200, csv_export.status
                assert "first line" in csv_export.text()
                xlsx_export = http.get(f"/surveys/{survey_id}/responses.xlsx")
                assert xlsx_export.status == 200, xlsx_export.status
                book = openpyxl.load_workbook(io.BytesIO(xlsx_export.body()))
                cells = [c.value for row in book.active.iter_rows() for c in row]
                assert any(isinstance(v, str) and v.startswith("first line") for v in cells)
            finally:
                http.dispose()
