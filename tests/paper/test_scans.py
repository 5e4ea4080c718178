"""Uploading scans of returned paper forms (appliance.paper.scan_service,
scan_verify_service, scan_views): certain forms stored at once, the rest kept sealed until a
person verifies them."""

from __future__ import annotations

import io
import json
import random

import cv2
import numpy as np
import pytest
from PIL import Image

from appliance.db import db_path
from appliance.db import transaction as db_transaction
from appliance.paper import service as paper_service
from appliance.paper.texts import Facts
from appliance.surveys import service as surveys_service
from tests.factories import stored_open_survey
from tests.paper import corpus
from tests.paper.definitions import EVERYTHING
from tests.paper.entry_helpers import coded_invitation, responses


def _t(nl: str, en: str) -> dict[str, str]:
    return {"nl": nl, "en": en}


# One page, nothing required, no routing: what is meant is what is stored.
DEFINITION = {
    "languages": ["en", "nl"],
    "title": _t("Scanenquête", "Scan survey"),
    "pages": [
        {
            "id": "one",
            "questions": [
                {"id": "score", "type": "rating", "text": _t("Hoe was het?", "How was it?")},
                {"id": "visited", "type": "yesno", "text": _t("Eerder geweest?", "Been before?")},
                {
                    "id": "channel",
                    "type": "single",
                    "text": _t("Hoe kwam u bij ons?", "How did you find us?"),
                    "choices": [
                        {"value": "web", "label": _t("Website", "Website")},
                        {"value": "friend", "label": _t("Vrienden", "Friends")},
                    ],
                },
                {
                    "id": "products",
                    "type": "multiple",
                    "text": _t("Wat kocht u?", "What did you buy?"),
                    "choices": [
                        {"value": "bread", "label": _t("Brood", "Bread")},
                        {"value": "cake", "label": _t("Taart", "Cake")},
                    ],
                },
                {"id": "why", "type": "text_long", "text": _t("Opmerkingen", "Remarks")},
            ],
        }
    ],
}
CLEAN = {"light_share": 0.0, "correction_share": 0.0, "written_share": 0.0}


@pytest.fixture
def survey_id(conn):
    return stored_open_survey(conn, DEFINITION)


def printed(app, conn, survey_id: int, invited: bool):
    """The survey's form as printed (its geometry kept) and its multiple-choice questions."""
    with app.test_request_context():
        row = surveys_service.get_survey(conn, survey_id)
        form = paper_service.printed_form(
            conn, row, "en", invited=invited, facts=Facts("Bakkerij", 5, 6)
        )
    assert form.pages == 1
    return form, {"products"}


def tiff(images) -> bytes:
    ok, data = cv2.imencodemulti(".tiff", list(images))
    assert ok
    return data.tobytes()


def pdf(images) -> bytes:
    pil = [Image.fromarray(i) for i in images]
    out = io.BytesIO()
    pil[0].save(out, "PDF", resolution=200, save_all=True, append_images=pil[1:])
    return out.getvalue()


def png(image) -> bytes:
    return cv2.imencode(".png", image)[1].tobytes()


def upload(staff, survey_id: int, data: bytes, name: str = "scan.tif"):
    """Post ``data`` as the upload. The body is built here: the test client would spool a body
    over 500 kB to a temporary file it never closes."""
    boundary = "scan-boundary-7d3f"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{staff.csrf()}\r\n"
            f'--{boundary}\r\nContent-Disposition: form-data; name="scan"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return staff.client.post(
        f"/surveys/{survey_id}/paper/scans",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def waiting(conn, survey_id: int):
    return conn.execute(
        "SELECT * FROM paper_scan_forms WHERE survey_id = ? ORDER BY uploaded_at", (survey_id,)
    ).fetchall()


def test_certain_forms_become_responses_at_once(app, as_role, conn, data_dir, survey_id):
    code, invitation_id = coded_invitation(conn, data_dir, survey_id)
    coded_form, multiple = printed(app, conn, survey_id, invited=True)
    blank_form, _multiple = printed(app, conn, survey_id, invited=False)
    rng = random.Random(7)
    with app.app_context():
        coded = corpus.fill(coded_form, multiple, rng, code=code, **CLEAN)
        anonymous = corpus.fill(blank_form, multiple, rng, **CLEAN)
    staff = as_role("staff")
    done = upload(staff, survey_id, tiff([p.image for p in coded + anonymous]))
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    stored = responses(conn, survey_id)
    assert len(stored) == 2 and waiting(conn, survey_id) == []
    assert {r["mode"] for r in stored} == {"paper"}
    assert {r["duration_s"] for r in stored} == {None}
    meant = [p.meant for p in coded + anonymous]
    assert sorted(json.dumps(json.loads(r["answers"]), sort_keys=True) for r in stored) == sorted(
        json.dumps(m, sort_keys=True) for m in meant
    )
    used = conn.execute("SELECT used FROM invitations WHERE id = ?", (invitation_id,)).fetchone()
    assert used[0] == 1
    bare = code.replace("-", "")
    for entry in conn.execute("SELECT action, target, details FROM audit_log"):
        assert bare not in str(tuple(entry)) and code not in str(tuple(entry))
    # The same form again: its code is used, so it waits as already entered.
    upload(staff, survey_id, pdf([p.image for p in coded]), "again.pdf")
    (again,) = waiting(conn, survey_id)
    assert again["problem"] == "used" and again["code_hash"] is not None
    assert len(responses(conn, survey_id)) == 2
    page = staff.get(f"/surveys/{survey_id}/paper/scans").get_data(as_text=True)
    assert "Already entered" in page


def _doubtful_page(form):
    """A clean scan of ``form`` with two boxes crossed on a single-choice question, one box
    ticked elsewhere, and a line written in the open answer."""
    image = corpus._render_pages(form, None, 200)[0].copy()
    per_mm, rng = 200 / 25.4, random.Random(3)
    for box in form.boxes:
        if box.question == "channel" or (box.question == "visited" and box.value == "yes"):
            corpus._mark(image, box, per_mm, "cross", rng)
    for area in form.areas:
        corpus._scribble(image, area, per_mm, rng)
    return image


def test_a_doubtful_form_waits_sealed_and_its_verification_stores_the_decision(
    app, as_role, conn, data_dir, survey_id
):
    form, _multiple = printed(app, conn, survey_id, invited=False)
    with app.app_context():
        image = _doubtful_page(form)
    staff = as_role("staff")
    assert upload(staff, survey_id, png(image), "scan.png").status_code == 302
    assert responses(conn, survey_id) == []
    (row,) = waiting(conn, survey_id)
    assert json.loads(row["answers"]) == {"visited": "yes"}
    assert [d["q"] for d in json.loads(row["doubtful"])] == ["channel"]
    assert json.loads(row["written"]) == ["why"]
    # The page image is sealed at rest: no PNG in the database, nor its base64.
    (sealed,) = conn.execute("SELECT image FROM paper_scan_pages").fetchall()
    assert b"\x89PNG" not in sealed[0] and b"iVBORw0KGgo" not in sealed[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = db_path(data_dir).read_bytes()
    assert b"\x89PNG\r\n" not in raw and b"iVBORw0KGgo" not in raw
    retention = staff.get("/compliance/retention").get_data(as_text=True)
    assert "Scanned paper forms waiting for verification: 1." in retention
    url = f"/surveys/{survey_id}/paper/scans/{row['id']}"
    page = staff.get(url).get_data(as_text=True)
    assert "How did you find us?" in page and "Friends" in page and 'name="w0"' in page
    crop = staff.get(f"{url}/part/d0.png")
    assert crop.status_code == 200 and crop.mimetype == "image/png"
    assert crop.headers["Cache-Control"] == "no-store" and crop.data[:4] == b"\x89PNG"
    assert staff.get(f"{url}/part/w0.png").status_code == 200
    assert staff.get(f"{url}/part/d9.png").status_code == 404
    # The crop is as wide as the text column: the answers' labels are on it.
    assert cv2.imdecode(np.frombuffer(crop.data, np.uint8), 0).shape[1] >= 170 * 8
    # Nothing chosen is no decision: refused, still waiting.
    undecided = staff.post(url, {"w0": "De koffie was koud"})
    assert undecided.status_code == 422 and "or “no answer”" in undecided.get_data(as_text=True)
    assert len(waiting(conn, survey_id)) == 1
    done = staff.post(url, {"d0": "friend", "w0": "De koffie was koud"})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    (stored,) = responses(conn, survey_id)
    assert stored["mode"] == "paper"
    assert json.loads(stored["answers"]) == {
        "visited": "yes",
        "channel": "friend",
        "why": "De koffie was koud",
    }
    # Verified: the waiting form and its scan are gone.
    assert waiting(conn, survey_id) == []
    assert conn.execute("SELECT count(*) FROM paper_scan_pages").fetchone()[0] == 0
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log")]
    assert "paper_form.scan_verified" in actions and "paper_form.scans_uploaded" in actions
    assert staff.get(url).status_code == 404


def test_a_value_the_boxes_do_not_have_is_not_stored(app, as_role, conn, survey_id):
    form, _multiple = printed(app, conn, survey_id, invited=False)
    with app.app_context():
        image = _doubtful_page(form)
    staff = as_role("staff")
    upload(staff, survey_id, png(image), "scan.png")
    (row,) = waiting(conn, survey_id)
    staff.post(f"/surveys/{survey_id}/paper/scans/{row['id']}", {"d0": "forged"})
    (stored,) = responses(conn, survey_id)
    assert json.loads(stored["answers"]) == {"visited": "yes"}


def test_a_page_not_identified_is_shown_whole_and_discarded(as_role, conn, survey_id):
    staff = as_role("staff")
    blank = np.full((2339, 1654), 255, np.uint8)
    cv2.putText(blank, "not a form", (200, 400), cv2.FONT_HERSHEY_SIMPLEX, 4, 0, 8)
    assert upload(staff, survey_id, png(blank), "letter.png").status_code == 302
    (row,) = waiting(conn, survey_id)
    assert row["problem"] == "no_code"
    url = f"/surveys/{survey_id}/paper/scans/{row['id']}"
    page = staff.get(url).get_data(as_text=True)
    assert "Not a form: discard" in page and "part/p1.png" in page and "ps-confirm" not in page
    small = staff.get(f"{url}/part/p1.png")
    assert small.status_code == 200 and small.data[:4] == b"\x89PNG"
    assert staff.post(f"{url}/discard").status_code == 302
    assert waiting(conn, survey_id) == []
    assert conn.execute("SELECT count(*) FROM paper_scan_pages").fetchone()[0] == 0
    assert "paper_form.scan_discarded" in [
        r[0] for r in conn.execute("SELECT action FROM audit_log")
    ]


def test_a_wrong_file_type_is_refused_in_the_users_language(as_role, cast, conn, survey_id):
    conn.execute("UPDATE users SET language = 'nl' WHERE id = ?", (cast["staff"].id,))
    conn.commit()
    page = upload(as_role("staff"), survey_id, b"name,email\nAnna,a@example.org\n", "list.csv")
    assert page.status_code == 422
    assert "Upload een scan als PDF, TIFF, PNG of JPEG." in page.get_data(as_text=True)
    assert waiting(conn, survey_id) == [] and responses(conn, survey_id) == []


def test_another_surveys_form_is_refused(app, as_role, conn, survey_id):
    other = stored_open_survey(conn, DEFINITION)
    form, multiple = printed(app, conn, other, invited=False)
    with app.app_context():
        pages = corpus.fill(form, multiple, random.Random(5), **CLEAN)
    staff = as_role("staff")
    done = upload(staff, survey_id, tiff([p.image for p in pages]))
    assert done.status_code == 302
    page = staff.get(done.headers["Location"]).get_data(as_text=True)
    assert "not this survey" in page
    assert waiting(conn, survey_id) == [] and waiting(conn, other) == []
    assert responses(conn, survey_id) == [] and responses(conn, other) == []


def test_anonymous_pages_are_grouped_into_forms_in_order(app, as_role, conn):
    survey_id = stored_open_survey(conn, EVERYTHING)
    with app.test_request_context():
        row = surveys_service.get_survey(conn, survey_id)
        form = paper_service.printed_form(
            conn, row, "en", invited=False, facts=Facts("Bakkerij", 5, 6)
        )
    multiple = {
        q["id"] for p in EVERYTHING["pages"] for q in p["questions"] if q["type"] == "multiple"
    }
    assert form.pages > 1
    rng = random.Random(11)
    with app.app_context():
        copies = [corpus.fill(form, multiple, rng, **CLEAN) for _ in range(2)]
    images = [p.image for copy in copies for p in copy]
    assert upload(as_role("staff"), survey_id, tiff(images)).status_code == 302
    # Two copies of a form of several pages: two forms, each stored or waiting whole.
    kept = waiting(conn, survey_id)
    assert len(responses(conn, survey_id)) + len(kept) == 2
    for row in kept:
        pages = conn.execute(
            "SELECT count(*) FROM paper_scan_pages WHERE form_id = ?", (row["id"],)
        ).fetchone()[0]
        assert row["problem"] == "" and pages == form.pages


def test_a_person_erased_on_request_leaves_no_scan_waiting(
    app, conn, data_dir, survey_id, tmp_path
):
    """A scanned form waiting with one of the person's codes holds their handwriting: it goes
    with their invitations."""
    from appliance.keys import load as load_keys
    from appliance.mailing import codes
    from appliance.privacy import erasure
    from tests.contacts.conftest import Importer
    from tests.paper.entry_helpers import coded_invitation

    Importer(conn, data_dir, tmp_path).run(b"email\nschrijver@voorbeeld.nl\n")
    contact_id = conn.execute("SELECT id FROM contacts").fetchone()[0]
    code, invitation_id = coded_invitation(conn, data_dir, survey_id)
    conn.execute("UPDATE invitations SET contact_id = ? WHERE id = ?", (contact_id, invitation_id))
    hasher = load_keys(data_dir).hasher()
    for form_id, hashed in (
        ("mine", codes.code_hash(hasher, codes.normalise(code))),
        ("other", None),
    ):
        conn.execute(
            "INSERT INTO paper_scan_forms (id, survey_id, code_hash, uploaded_at)"
            " VALUES (?, ?, ?, '2026-12-01T10:00:00Z')",
            (form_id, survey_id, hashed),
        )
    with db_transaction(conn):
        counts = erasure.erase_contacts(conn, [contact_id], person=True, hasher=hasher)
    assert counts["paper_forms"] == 1
    assert [r[0] for r in conn.execute("SELECT id FROM paper_scan_forms")] == ["other"]
