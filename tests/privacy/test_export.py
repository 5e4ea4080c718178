"""Export of everything held about a person: exactly what the page shows, as JSON and as PDF;
a POST, downloaded, never cached; audited with format and counts."""

from __future__ import annotations

import json

from tests.pdftext import pdf_text
from tests.privacy.subject_world import (
    ANONYMOUS_REMARK,
    CONSENT,
    EMAIL,
    FIRST,
    LAST,
    LINKED_REMARK,
    audit_rows,
    look_up,
    token_of,
    world_fixture,  # noqa: F401
)


def _export(staff, kind: str):
    token = token_of(look_up(staff, EMAIL).get_data(as_text=True))
    response = staff.post("/compliance/people/export", {"token": token, "format": kind})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "jansen" not in disposition.lower()
    return response


def _pdf_text(body: bytes) -> str:
    return pdf_text(body)


def test_json_holds_what_the_page_shows(world, as_role, conn):
    response = _export(as_role("staff"), "json")
    assert response.mimetype == "application/json"
    data = json.loads(response.data)
    assert data["looked_up"] == {"kind": "email", "value": EMAIL}
    assert [c["list"] for c in data["contacts"]] == ["Klanten 2026", "Nieuwsbrief"]
    first = data["contacts"][0]
    assert first["fields"] == {
        "email": EMAIL,
        "first_name": FIRST,
        "last_name": LAST,
        "town": "Zwolle",
        "phone": "+31612345678",
    }
    assert first["basis"] == "consent" and first["imported_at"]
    [invitation] = first["invitations"]
    assert invitation["survey"] == "Klanttevredenheidsonderzoek"
    assert invitation["campaign"] == "Najaarsmeting" and invitation["used"] is True
    assert [m["wave"] for m in invitation["messages"]] == [0, 1]
    assert all(m["state"] == "sent" and m["sent_at"] for m in invitation["messages"])
    assert data["unsubscribed"][0]["source"] == "unsubscribe"
    assert data["contact_requests"][0]["consent_text"] == CONSENT
    [linked] = data["responses"]
    assert {"question": "Wat kunnen wij verbeteren?", "answer": LINKED_REMARK} in linked["answers"]
    assert sorted(linked["linked_by"]) == ["contact_request", "non_anonymous"]
    assert ANONYMOUS_REMARK not in response.get_data(as_text=True)
    assert data["mail_files"] == 2 and len(data["not_linked_to_this_person"]) == 3
    [entry] = [r for r in audit_rows(conn) if r[0] == "subject.exported"]
    details = json.loads(entry[2])
    assert details["format"] == "json" and details["contacts"] == 2 and details["responses"] == 1


def test_pdf_holds_the_same_fields(world, as_role, conn):
    response = _export(as_role("staff"), "pdf")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    text = _pdf_text(response.data)
    for expected in (
        EMAIL,
        FIRST,
        LAST,
        "Zwolle",
        "+31612345678",
        "Klanten 2026",
        "Nieuwsbrief",
        "Najaarsmeting",
        "gekoppeld-3381",
        "toestemming-5521",
        "Anonymous responses",
    ):
        assert expected in text, expected
    assert "anoniem-9042" not in text
    [entry] = [r for r in audit_rows(conn) if r[0] == "subject.exported"]
    assert json.loads(entry[2])["format"] == "pdf"


def test_export_needs_a_post_with_a_look_up(world, as_role):
    staff = as_role("staff")
    assert staff.get("/compliance/people/export").status_code == 405
    assert staff.post("/compliance/people/export", {"format": "json"}).status_code == 400
    token = token_of(look_up(staff, EMAIL).get_data(as_text=True))
    assert (
        staff.post("/compliance/people/export", {"token": token, "format": "csv"}).status_code
        == 400
    )
