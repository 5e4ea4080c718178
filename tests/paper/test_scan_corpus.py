"""Reading scans against a generated corpus of at least 200 scanned pages (``tests.paper.corpus``):
every page identified, no answer read wrongly and accepted, at most 3% of pages sent to a
person for a doubtful mark."""

from __future__ import annotations

import copy
import random

import pytest

from appliance.paper import reader
from appliance.paper.layout import layout
from appliance.paper.model import geometry
from appliance.paper.texts import Facts, form_texts
from appliance.surveys.definition import Definition
from appliance.surveys.templates import TEMPLATES
from tests.paper.corpus import fill
from tests.paper.definitions import EVERYTHING
from tests.paper.test_layout import babel_app  # noqa: F401 - the fixture

SURVEYS = [
    (TEMPLATES["customer_satisfaction"], "nl"),
    (TEMPLATES["employee_satisfaction"], "en"),
    (EVERYTHING, "nl"),
    (EVERYTHING, "en"),
]


def _forms():
    forms = []
    for number, (data, lang) in enumerate(SURVEYS, start=1):
        d = Definition.parse(copy.deepcopy(data))
        texts = form_texts(d, lang, Facts("Bakkerij", 5, 6))
        form = layout(d, lang, survey_id=number, version=7, invited=False, texts=texts)
        multiple = {q.id for q in d.questions.values() if q.type == "multiple"}
        forms.append((form, multiple))
    return forms


@pytest.fixture(scope="module")
def corpus(babel_app):  # noqa: F811
    rng = random.Random(2026)
    pages = []
    forms = _forms()
    while len(pages) < 200:
        for form, multiple in forms:
            dpi = rng.choice([150, 300])
            code = rng.choice([None, "K7QM-3XPD-2HBT-W4RA"])
            pages.extend(fill(form, multiple, rng, code=code, dpi=dpi))
    known = {
        (form.survey_id, geometry(form).digest): (geometry(form), frozenset(multiple))
        for form, multiple in forms
    }
    results = [
        reader.read_image(i, p.image, lambda s, d: known.get((s, d))) for i, p in enumerate(pages)
    ]
    return pages, results


def test_every_page_is_identified(corpus):
    pages, results = corpus
    assert len(pages) >= 200
    for page, result in zip(pages, results, strict=True):
        assert result.problem == "", (result.index, result.problem, page.dpi)
        assert (result.survey_id, result.page, result.code) == (
            page.form.survey_id,
            page.page,
            page.code,
        )


def test_no_answer_is_read_wrongly_and_accepted(corpus):
    wrong = []
    for page, result in zip(*corpus, strict=True):
        doubtful = {q.question for q in result.doubtful}
        for question, value in result.answers.items():
            if question in doubtful:
                continue
            if page.meant.get(question) != value:
                wrong.append((result.index, page.dpi, question, page.meant.get(question), value))
        for question, meant in page.meant.items():
            if question not in result.answers and question not in doubtful:
                wrong.append((result.index, page.dpi, question, meant, None))
    assert wrong == []


def test_few_pages_need_a_person_for_their_marks(corpus):
    pages, results = corpus
    doubtful = [r for r in results if r.doubtful or r.problem]
    assert len(doubtful) <= 0.03 * len(pages), [
        (r.index, [(q.question, q.why) for q in r.doubtful]) for r in doubtful
    ]


def test_writing_in_an_open_answer_area_is_found(corpus):
    for page, result in zip(*corpus, strict=True):
        assert sorted(result.written) == sorted(page.written), result.index
