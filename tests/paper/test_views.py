"""The staff download of blank paper forms."""

from __future__ import annotations

import pypdfium2 as pdfium
import zxingcpp

from appliance.auth.service import CLI
from appliance.paper import service as paper_service
from appliance.paper.form_pdf import parse_qr, qr_payload
from appliance.responses.flow import version
from appliance.surveys import service as survey_service
from tests.paper.test_form_pdf import images
from tests.pdftext import pdf_text


def test_staff_download_blank_forms_per_language(as_role, conn):
    survey_id = survey_service.create_from_template(conn, CLI, "customer_satisfaction")
    row = survey_service.get_survey(conn, survey_id)
    staff = as_role("staff")
    response = staff.get(f"/surveys/{survey_id}/paper/form.pdf?lang=nl&copies=2")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data
    assert len(pdfium.PdfDocument(body)) == 2
    assert "Klanttevredenheidsonderzoek" in pdf_text(body)
    assert "Pagina 1 van 1" in pdf_text(body)
    reads = [r.text for image in images(body) for r in zxingcpp.read_barcodes(image)]
    survey, digest, page, code = parse_qr(reads[0])
    assert reads == [qr_payload(survey_id, digest, 1)] * 2
    # The printed geometry is kept, for reading the scans of these forms.
    geometry, _multiple = paper_service.printed_layout(conn, survey_id, digest)
    assert (geometry.version, geometry.language, geometry.pages) == (version(row), "nl", 1)
    english = staff.get(f"/surveys/{survey_id}/paper/form.pdf?lang=en")
    assert "Customer satisfaction survey" in pdf_text(english.data)
    # The survey's edit page links a paper form per language.
    page = staff.get(f"/surveys/{survey_id}").get_data(as_text=True)
    for lang in ("nl", "en"):
        assert f"/surveys/{survey_id}/paper/form.pdf?lang={lang}" in page


def test_wrong_language_copies_or_survey_are_refused(as_role, conn):
    survey_id = survey_service.create_from_template(conn, CLI, "nps")
    staff = as_role("staff")
    url = f"/surveys/{survey_id}/paper/form.pdf"
    assert staff.get(f"{url}?lang=de").status_code == 400
    for copies in ("0", "501", "-1", "x", "١"):
        assert staff.get(f"{url}?copies={copies}").status_code == 400, copies
    assert staff.get(f"/surveys/{survey_id + 100}/paper/form.pdf").status_code == 404
    assert as_role("researcher").get(url).status_code == 403
