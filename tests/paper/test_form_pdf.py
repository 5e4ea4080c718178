"""The paper form as PDF: renders for every template in every language, its QR codes say which
survey, version, page (and form code) each page is, read back from a rendered image, and the
drawing lands where the layout says."""

from __future__ import annotations

import copy

import numpy as np
import pypdfium2 as pdfium
import pytest
import zxingcpp

from appliance.paper import form_pdf
from appliance.paper.form_pdf import anonymous_batch, parse_qr, qr_payload, render, render_many
from appliance.paper.layout import layout
from appliance.paper.model import geometry
from appliance.paper.texts import Facts, form_texts
from appliance.surveys.definition import Definition
from appliance.surveys.templates import TEMPLATES
from tests.paper.definitions import EVERYTHING
from tests.paper.test_layout import babel_app  # noqa: F401 - the fixture
from tests.pdftext import pdf_strings

DPI = 150


def definition(data=EVERYTHING) -> Definition:
    return Definition.parse(copy.deepcopy(data))


def texts(d: Definition, lang: str):
    return form_texts(d, lang, Facts("Bakkerij", 5, 6))


def images(body: bytes) -> list[np.ndarray]:
    """Each page as a grey image at ``DPI``."""
    doc = pdfium.PdfDocument(body)
    try:
        return [np.asarray(p.render(scale=DPI / 72).to_pil().convert("L")) for p in doc]
    finally:
        doc.close()


def page_strings(body: bytes) -> list[list[str]]:
    doc = pdfium.PdfDocument(body)
    try:
        return [pdf_strings(bytes(_one_page(doc, i))) for i in range(len(doc))]
    finally:
        doc.close()


def _one_page(doc, index: int) -> bytes:
    import io

    single = pdfium.PdfDocument.new()
    single.import_pages(doc, [index])
    out = io.BytesIO()
    single.save(out)
    single.close()
    return out.getvalue()


def px(mm: float) -> int:
    return round(mm / 25.4 * DPI)


@pytest.mark.parametrize(
    ("name", "lang"), [(n, lang) for n, t in TEMPLATES.items() for lang in t["languages"]]
)
def test_every_template_renders_in_every_language(babel_app, name, lang):  # noqa: F811
    d = definition(TEMPLATES[name])
    body = render(d, lang, survey_id=7, version=99, texts=texts(d, lang))
    form = layout(d, lang, survey_id=7, version=99, invited=False, texts=texts(d, lang))
    assert body.startswith(b"%PDF")
    assert len(pdfium.PdfDocument(body)) == form.pages
    printed = " ".join(" ".join(p) for p in page_strings(body))
    assert d.title[lang] in printed
    for q in d.questions.values():
        assert q.text[lang].split()[0] in printed


def test_qr_payload_round_trips_and_anything_else_is_refused():
    assert qr_payload(3, "0a1b2c3d4e", 2) == "APF1/3/0a1b2c3d4e/2"
    assert parse_qr("APF1/3/0a1b2c3d4e/2") == (3, "0a1b2c3d4e", 2, None)
    for args in [
        (1, "0000000000", 1, None),
        (12, "ffffffffff", 999, "K7QM-3XPD"),
        (5, "1234567890", 3, "ABC"),
    ]:
        assert parse_qr(qr_payload(*args)) == args
    for bad in [
        "",
        "APF1/3/0a1b2c3d4e",
        "APF2/3/0a1b2c3d4e/2",
        "APF1/0/0a1b2c3d4e/2",
        "APF1/03/0a1b2c3d4e/2",
        "APF1/3/0a1b2c3d4e/0",
        "APF1/3/0a1b2c3d4e/2/",
        "APF1/3/0a1b2c3d4e/2/k7qm",
        "APF1/3/0A1B2C3D4E/2",
        "APF1/3/0a1b2c3d/2",
        "APF1/3/0a1b2c3d4e/2/K7QM 3XPD",
        " APF1/3/0a1b2c3d4e/2",
        "APF1/3/0a1b2c3d4e/2\n",
        "https://example.org/APF1/3/0a1b2c3d4e/2",
    ]:
        assert parse_qr(bad) is None, bad
    assert parse_qr(None) is None  # type: ignore[arg-type]
    for args in [
        (0, "0a1b2c3d4e", 1),
        (1, "0a1b2c3d4", 1),
        (1, "0a1b2c3d4g", 1),
        (1, "0a1b2c3d4e", 0),
    ]:
        with pytest.raises(ValueError):
            qr_payload(*args)
    with pytest.raises(ValueError):
        qr_payload(1, "0a1b2c3d4e", 1, "not/a code")


def _digest(d, lang, **kw) -> str:
    return geometry(layout(d, lang, texts=texts(d, lang), **kw)).digest


@pytest.mark.parametrize("code", ["K7QM-3XPD-2HBT-W4RA", None])
def test_each_pages_qr_code_reads_back_from_the_rendered_page(babel_app, code):  # noqa: F811
    d = definition()
    body = render(d, "nl", survey_id=41, version=3_000_000_001, code=code, texts=texts(d, "nl"))
    pages = images(body)
    assert len(pages) >= 3
    for n, image in enumerate(pages, start=1):
        found = [r.text for r in zxingcpp.read_barcodes(image) if r.format.name == "QRCode"]
        digest = _digest(d, "nl", survey_id=41, version=3_000_000_001, invited=False)
        assert found == [qr_payload(41, digest, n, code)]
        assert parse_qr(found[0]) == (41, digest, n, code)


def test_the_form_code_is_printed_on_every_page_and_not_on_anonymous_forms(babel_app):  # noqa: F811
    d = definition()
    t = texts(d, "en")
    coded = page_strings(render(d, "en", survey_id=2, version=5, code="AB12-CD34", texts=t))
    assert all("AB12-CD34" in strings for strings in coded)
    batch = anonymous_batch(d, "en", survey_id=2, version=5, copies=3, texts=t)
    pages = page_strings(batch)
    assert len(pages) == 3 * len(coded)
    assert not any("AB12-CD34" in s for strings in pages for s in strings)
    reads = [r.text for image in images(batch) for r in zxingcpp.read_barcodes(image)]
    digest = _digest(d, "en", survey_id=2, version=5, invited=False)
    assert reads == [qr_payload(2, digest, n) for n in range(1, len(coded) + 1)] * 3
    with pytest.raises(ValueError):
        anonymous_batch(d, "en", survey_id=2, version=5, copies=0, texts=t)


def test_several_forms_go_into_one_pdf_each_with_its_code(babel_app):  # noqa: F811
    d = definition(TEMPLATES["nps"])
    form = layout(d, "nl", survey_id=4, version=8, invited=True, texts=texts(d, "nl"))
    body = render_many([(form, "AAAA-1111"), (form, "BBBB-2222")])
    reads = [r.text for image in images(body) for r in zxingcpp.read_barcodes(image)]
    digest = geometry(form).digest
    assert reads == [qr_payload(4, digest, 1, "AAAA-1111"), qr_payload(4, digest, 1, "BBBB-2222")]
    pdf = form_pdf.new_document()
    form_pdf.add_form(pdf, form, None)
    assert len(pdfium.PdfDocument(bytes(pdf.output()))) == form.pages


def test_markers_and_boxes_are_drawn_where_the_layout_says(babel_app):  # noqa: F811
    d = definition()
    form = layout(d, "en", survey_id=1, version=1, invited=True, texts=texts(d, "en"))
    pages = images(render(d, "en", survey_id=1, version=1, invited=True, texts=texts(d, "en")))
    for image in pages:
        for x, y, size in form.markers:
            assert image[px(y + size / 2), px(x + size / 2)] < 60  # filled black
            assert image[px(y - 1.5), px(x + size / 2)] > 200  # white around it
    for box in form.boxes:
        image = pages[box.page - 1]
        cy, cx = px(box.y + box.h / 2), px(box.x + box.w / 2)
        assert image[cy, cx] > 200, box  # empty inside
        assert image[cy, px(box.x) - 1 : px(box.x) + 2].min() < 140, box  # left edge
        assert image[cy, px(box.x + box.w) - 1 : px(box.x + box.w) + 2].min() < 140, box
        assert image[px(box.y) - 1 : px(box.y) + 2, cx].min() < 140, box  # top edge
