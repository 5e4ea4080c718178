"""What a respondent on a phone and a staff member building a survey trip over, in a real
browser at 390 px: a question shown only for low scores appears and hides as the score changes
(the vendored script, under the CSP); matrix answers are targets of at least 24 x 24 px without
widening the page; a radio button sits on the line of its label; the survey title is not broken
inside a word; the builder's move and remove buttons are visible (AA contrast)."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from appliance import db
from tests.browser.test_contact_import import _add_staff, sign_in_staff
from tests.browser.test_first_admin import _require_chromium, chromium_context
from tests.browser.watch import watch
from tests.factories import nps_with_follow_up, open_survey_row
from tests.serving import running_server

OWN_PASSWORD = "Een-eigen-wachtzin-voor-de-bouwer"
PHONE = {"width": 390, "height": 844}
SURVEY = {
    "languages": ["nl", "en"],
    "title": {"nl": "Klanttevredenheidsonderzoek dienstverlening", "en": "Customer survey"},
    "pages": [
        {
            "id": "p1",
            "questions": [
                *nps_with_follow_up(),
                {
                    "id": "kanaal",
                    "type": "single",
                    "na": True,
                    "text": {"nl": "Hoe nam u contact op?", "en": "How did you contact us?"},
                    "choices": [
                        {"value": "tel", "label": {"nl": "Telefonisch", "en": "By phone"}},
                        {"value": "balie", "label": {"nl": "Aan de balie", "en": "At the desk"}},
                    ],
                },
                {
                    "id": "m",
                    "type": "matrix",
                    "na": True,
                    "scale": [1, 10],
                    "text": {"nl": "Hoe beoordeelt u", "en": "How do you rate"},
                    "items": [
                        {"value": "prijs", "label": {"nl": "Prijs", "en": "Price"}},
                        {"value": "service", "label": {"nl": "Service", "en": "Service"}},
                    ],
                },
            ],
        }
    ],
}

# For each radio button: its box and the box of the text of its label.
RADIO_ROWS = """() => Array.from(document.querySelectorAll('input[type=radio]'))
  .filter((input) => input.labels && input.labels.length && input.labels[0].innerText.trim())
  .map((input) => {
    const label = input.labels[0];
    const range = document.createRange();
    range.selectNodeContents(label);
    const text = Array.from(range.getClientRects()).filter((r) => r.width > 0
      && !(r.left >= input.getBoundingClientRect().left - 0.5
           && r.right <= input.getBoundingClientRect().right + 0.5));
    const box = input.getBoundingClientRect();
    const first = text.find((r) => r.left >= box.right - 0.5) || text[0];
    return {name: label.innerText.trim(), input: [box.top, box.bottom, box.right],
            text: [first.top, first.bottom, first.left]};
  })"""
# How many lines each word of the h1 takes.
WORD_LINES = """() => {
  const node = document.querySelector('h1').firstChild;
  const out = {};
  let at = 0;
  for (const word of node.textContent.split(' ')) {
    const start = node.textContent.indexOf(word, at);
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, start + word.length);
    const tops = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
    out[word] = tops.size;
    at = start + word.length;
  }
  return out;
}"""
# Text colour and the colour behind it (the first ancestor with a background), as [r, g, b].
COLOURS = """(el) => {
  const rgb = (s) => s.match(/[\\d.]+/g).map(Number);
  let bg = el, back = null;
  while (bg) {
    const c = rgb(getComputedStyle(bg).backgroundColor);
    if (c.length < 4 || c[3] > 0) { back = c.slice(0, 3); break; }
    bg = bg.parentElement;
  }
  return [rgb(getComputedStyle(el).color).slice(0, 3), back || [255, 255, 255]];
}"""


def _contrast(one: list[float], two: list[float]) -> float:
    def lum(rgb):
        parts = [c / 255 for c in rgb]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((lum(one), lum(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _radios_beside_labels(page: Page) -> None:
    rows = page.evaluate(RADIO_ROWS)
    assert rows
    for row in rows:
        top, bottom, right = row["input"]
        text_top, text_bottom, text_left = row["text"]
        middle = (top + bottom) / 2
        # The label's first line runs beside the input, to its right (not on the line below).
        assert text_top <= middle <= text_bottom, row
        assert text_left >= right - 0.5, row


def test_a_respondent_on_a_phone(tmp_path):
    _require_chromium()
    with running_server(tmp_path) as server:
        conn = db.connect(db.db_path(server.data_dir))
        token = open_survey_row(conn, SURVEY)["link_token"]

        conn.close()
        with chromium_context() as staff:
            assert staff.browser is not None
            context = staff.browser.new_context(locale="nl-NL", viewport=PHONE)
            problems = watch(context)
            page = context.new_page()
            page.goto(f"{server.base_url}/s/{token}?lang=nl")

            # The title breaks between words only.
            assert set(page.evaluate(WORD_LINES).values()) == {1}

            # Shown only for a low score, live; what was typed comes back with the question.
            why = page.locator("#q-why")
            expect(why).to_be_hidden()
            page.get_by_role("radio", name="3", exact=True).check()
            expect(why).to_be_visible()
            why.locator("textarea").fill("Te lang gewacht")
            page.get_by_role("radio", name="9", exact=True).check()
            expect(why).to_be_hidden()
            page.get_by_role("radio", name="3", exact=True).check()
            expect(why.locator("textarea")).to_have_value("Te lang gewacht")
            page.get_by_role("radio", name="9", exact=True).check()
            expect(why).to_be_hidden()

            # Matrix answers: at least 24 x 24 each; the page itself never scrolls sideways.
            cells = page.locator("table.matrix input[type=radio]")
            expect(cells).to_have_count(2 * 11)
            for i in range(cells.count()):
                cells.nth(i).scroll_into_view_if_needed()
                box = cells.nth(i).bounding_box()
                assert box and box["width"] >= 24 and box["height"] >= 24, (i, box)
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], width
            _radios_beside_labels(page)

            page.get_by_label("Prijs: 7").check()
            page.get_by_role("button", name=re.compile("^(Versturen|Send)$")).click()
            expect(page.locator("p.thanks")).to_be_visible()
            problems.assert_none()
            context.close()
        conn = db.connect(db.db_path(server.data_dir))
        [answers] = [json.loads(r[0]) for r in conn.execute("SELECT answers FROM responses")]
        conn.close()
        # The hidden question was not sent, and nobody had to be asked about it.
        assert answers == {"nps": "9", "m": {"prijs": "7"}}, answers


def test_the_builder_on_a_phone(tmp_path):
    _require_chromium()
    with running_server(tmp_path) as server, chromium_context() as context:
        _add_staff(server)
        problems = watch(context)
        page = context.new_page()
        sign_in_staff(page, server.base_url)
        page.set_viewport_size(PHONE)
        page.goto(f"{server.base_url}/surveys/new")
        page.get_by_role("radio", name=re.compile(r"^NPS only")).check()
        page.get_by_role("button", name="Create draft").click()
        expect(page).to_have_url(re.compile(r"/surveys/\d+$"))
        buttons = page.locator("#questionnaire .actions button")
        expect(buttons.first).to_be_visible()
        for i in range(buttons.count()):
            text, back = buttons.nth(i).evaluate(COLOURS)
            assert _contrast(text, back) >= 4.5, (buttons.nth(i).inner_text(), text, back)
        # Keyboard focus on a move button is visible: an outline is drawn.
        buttons.first.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        outline = buttons.first.evaluate("(el) => getComputedStyle(el).outlineStyle")
        assert outline != "none", outline
        # The kiosk form's choice is a list of radio buttons, each beside its label.
        _radios_beside_labels(page)
        problems.assert_none()
