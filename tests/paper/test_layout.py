"""The paper form's geometry: nothing overlaps, everything is inside the printable area and clear
of the corner markers, questions stay whole on a page and are numbered in order, matrices are
complete, and the contact opt-in is printed only for invited people."""

from __future__ import annotations

import copy
import itertools

import pytest
from flask import Flask
from flask_babel import Babel

from appliance.paper import layout as paper_layout
from appliance.paper.blocks import wrap
from appliance.paper.layout import layout, numbering, printed
from appliance.paper.metrics import text_width
from appliance.paper.model import BOTTOM, LEFT, PAGE_H, PAGE_W, RIGHT, TOP, FormLayout
from appliance.paper.texts import Facts, form_texts
from appliance.surveys.definition import Definition
from appliance.surveys.templates import TEMPLATES
from tests.paper.definitions import EVERYTHING, STRESS

TRANSLATIONS = str(paper_layout.__file__).rsplit("/paper/", 1)[0] + "/translations"
DEFINITIONS = {
    **{name: copy.deepcopy(t) for name, t in TEMPLATES.items()},
    "everything": EVERYTHING,
    "stress": STRESS,
}
CASES = [
    (name, lang, invited)
    for name, data in DEFINITIONS.items()
    for lang in data["languages"]
    for invited in (False, True)
]


@pytest.fixture(scope="module")
def babel_app():
    """Only flask-babel and the catalogues: the texts need an app context, nothing else."""
    app = Flask(__name__)
    Babel(app, default_translation_directories=TRANSLATIONS)
    with app.app_context():
        yield app


def form(name: str, lang: str, invited: bool) -> FormLayout:
    definition = Definition.parse(copy.deepcopy(DEFINITIONS[name]))
    texts = form_texts(definition, lang, Facts("Bakkerij", 5, 6))
    return layout(definition, lang, survey_id=3, version=123, invited=invited, texts=texts)


def overlap(a, b, gap: float = 0.0) -> bool:
    return (
        a.page == b.page
        and a.x < b.x + b.w + gap
        and b.x < a.x + a.w + gap
        and a.y < b.y + b.h + gap
        and b.y < a.y + a.h + gap
    )


@pytest.mark.parametrize(("name", "lang", "invited"), CASES)
def test_boxes_keep_apart_from_each_other_text_and_markers(babel_app, name, lang, invited):
    f = form(name, lang, invited)
    assert f.boxes
    for a, b in itertools.combinations(f.boxes, 2):
        # 3 mm at least between any two boxes, so a mark cannot touch the next one.
        assert not overlap(a, b, gap=3.0), (a, b)
    for box in f.boxes:
        assert box.w >= 4.5 and box.h >= 4.5
        assert box.x >= LEFT and box.x + box.w <= RIGHT, box
        assert box.y >= TOP and box.y + box.h <= BOTTOM, box
        for text in f.texts:
            assert not overlap(box, text, gap=0.5), (box, text)
        for x, y, size in f.markers:  # at least 6 mm clear of every corner marker
            apart_x = box.x >= x + size + 6 or box.x + box.w <= x - 6
            apart_y = box.y >= y + size + 6 or box.y + box.h <= y - 6
            assert apart_x or apart_y, box
    for area in f.areas:
        assert area.x >= LEFT and area.x + area.w <= RIGHT and area.y >= TOP
        assert area.y + area.h <= BOTTOM
        assert not any(overlap(area, box) for box in f.boxes)


@pytest.mark.parametrize(("name", "lang", "invited"), CASES)
def test_texts_stay_on_the_page_and_clear_of_each_other(babel_app, name, lang, invited):
    f = form(name, lang, invited)
    for t in f.texts:
        assert t.x >= LEFT and t.x + t.w <= RIGHT + 0.01, t
        assert t.y >= 8 and t.y + t.h <= PAGE_H - 14, t
        for x, _y, size in f.markers:
            assert t.x >= x + size + 6 or t.x + t.w <= x - 6, t
        # The QR code's square and the code printed under it are kept free.
        qx, qy, qs = f.qr
        assert not (t.x + t.w > qx and t.y < qy + qs + 4), t
    for a, b in itertools.combinations(f.texts, 2):
        assert not overlap(a, b, gap=-0.05), (a, b)
    for x, y, size in f.markers:
        assert x + size <= LEFT - 6 or x >= RIGHT + 6
        assert (x, y) in {(8, 8), (196, 8), (8, 283), (196, 283)}
        assert size == 6 and 0 < x < PAGE_W


@pytest.mark.parametrize(("name", "lang", "invited"), CASES)
def test_questions_are_whole_on_one_page_and_numbered_in_order(babel_app, name, lang, invited):
    f = form(name, lang, invited)
    definition = Definition.parse(copy.deepcopy(DEFINITIONS[name]))
    regions = {}
    for r in f.regions:
        regions.setdefault(r.question, []).append(r)
    order = [q.id for _, questions in printed(definition, invited=invited) for q in questions]
    assert f.numbers == numbering(definition, invited=invited)
    assert list(f.numbers) == order and list(f.numbers.values()) == list(range(1, len(order) + 1))
    placed = [(regions[q][0].page, regions[q][0].y) for q in order]
    assert placed == sorted(placed)  # printed in the order of their numbers
    for qid in order:
        if name == "stress" and qid == "q0":
            assert len(regions[qid]) > 1  # 40 options: taller than a page, so it breaks
            continue
        assert len(regions[qid]) == 1, qid
        (region,) = regions[qid]
        assert region.y >= TOP and region.y + region.h <= BOTTOM
        for box in f.boxes_of(qid):
            assert box.page == region.page and region.y <= box.y <= region.y + region.h
        number = [t for t in f.texts if t.text == f"{f.numbers[qid]}." and t.page == region.page]
        assert len(number) == 1 and number[0].x == LEFT


@pytest.mark.parametrize("name", ["everything", "employee_satisfaction", "stress"])
def test_every_answer_value_has_its_box_and_the_matrix_grid_is_complete(babel_app, name):
    f = form(name, "en", invited=True)
    definition = Definition.parse(copy.deepcopy(DEFINITIONS[name]))
    for q in definition.questions.values():
        boxes = f.boxes_of(q.id)
        if q.type == "matrix":
            cells = {(b.item, b.value) for b in boxes}
            assert cells == {(i.value, v) for i in q.items for v in q.values()}
            assert len(boxes) == len(cells)
            for item in q.items:  # one row, one box per column at the columns' places
                row = sorted((b for b in boxes if b.item == item.value), key=lambda b: b.x)
                assert len({b.y for b in row}) == 1
                assert [b.value for b in row] == list(q.values())
            columns = {v: {b.x for b in boxes if b.value == v} for v in q.values()}
            assert all(len(xs) == 1 for xs in columns.values())
        elif q.type in ("text_short", "text_long", "name"):
            assert not boxes
            assert [a.question for a in f.areas].count(q.id) == 1
        else:
            assert sorted(b.value for b in boxes) == sorted(q.values()), q.id
            assert all(b.item is None for b in boxes)


def test_contact_optin_only_when_invited(babel_app):
    anonymous, invited = form("everything", "nl", False), form("everything", "nl", True)
    assert "call" not in anonymous.numbers and not anonymous.boxes_of("call")
    assert invited.numbers["call"] == invited.numbers["who"] + 1
    assert [b.value for b in invited.boxes_of("call")] == ["yes", "no"]
    assert anonymous.numbers["show"] == anonymous.numbers["who"] + 1


def test_routing_is_printed_before_conditional_questions_in_the_forms_language(babel_app):
    f = form("everything", "nl", True)
    text = " ".join(t.text for t in f.texts)
    n = f.numbers
    assert f"als u 0\u20136 antwoordde bij vraag {n['rec']}" in text
    assert f"vragen {n['table']} tot en met {n['better']}" in text
    assert f"‘Ja’ antwoordde bij vraag {n['visited']}" in text
    assert "‘Via vrienden’, ‘Via een advertentie’ of ‘Niet van toepassing / weet niet’" in text
    for english in ("Only answer", "How to fill", "Page ", "You may tick", "Optional"):
        assert english not in text
    routing = next(t for t in f.texts if t.text.startswith("\u2192") and "0\u20136" in t.text)
    number = next(t for t in f.texts if t.text == f"{n['why_low']}.")
    assert routing.page == number.page and 0 < number.y - routing.y < 8


def test_conditions_that_can_never_hold_on_paper_leave_their_questions_out(babel_app):
    data = copy.deepcopy(EVERYTHING)
    data["pages"][2]["questions"][2]["show_if"] = {"question": "call", "in": ["yes"]}
    data["pages"].append(
        {"id": "more", "show_if": {"question": "table", "in": ["1"]}, "questions": [
            {"id": "extra", "type": "yesno", "text": {"nl": "Nog iets?", "en": "More?"}}
        ]}
    )  # fmt: skip
    definition = Definition.parse(data)
    assert "show" not in numbering(definition, invited=False)  # asked after the opt-in only
    assert "show" in numbering(definition, invited=True)
    assert "extra" not in numbering(definition)  # a matrix's answer is never one value


def test_wrapping_fits_the_width_and_keeps_every_word():
    text = "Een vrij lange zin met woorden " * 10 + "Donaudampfschifffahrtsgesellschaft" * 3
    lines = wrap(text, 50.0, 10, False, text_width)
    assert all(text_width(line, 10, False) <= 50.0 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_the_first_page_says_how_to_mark_and_carries_the_publication_notice(babel_app):
    f = form("everything", "nl", False)
    first = " ".join(t.text for t in f.texts if t.page == 1)
    assert "Kleur dan het verkeerde vakje helemaal in" in first
    assert "gepubliceerd" in first
    assert [s.mark for s in f.samples] == ["cross", "tick", "fill"]
    assert all(s.page == 1 for s in f.samples)
    footer = [t.text for t in f.texts if t.text.startswith("Pagina")]
    assert footer == [f"Pagina {p} van {f.pages}" for p in range(1, f.pages + 1)]
