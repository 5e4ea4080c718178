"""Data-subject requests through the API: look-up, export and erasure through the pages'
service, with the pages' safeguard (an erasure acts on a look-up of the same member of staff
within the hour), audited with counts only, the person's data never in a URL or the log."""

from __future__ import annotations

import json
import time
from datetime import date

from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from appliance.api import subject_views
from appliance.auth.service import CLI
from appliance.privacy import request_service
from tests.api.helpers import call, token_for
from tests.privacy.subject_world import (
    EMAIL,
    FIRST,
    LAST,
    audit_rows,
    look_up,
    token_of,
    world_fixture,  # noqa: F401
)

LOOK_UP, EXPORT, ERASE = (f"/api/v1/subjects/{verb}" for verb in ("look-up", "export", "erasure"))


class _SignedAnHourAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - subject_views.TOKEN_SECONDS - 5


def _found(app, token, value=EMAIL, **extra):
    r = call(app, "post", LOOK_UP, token, json={"query": value, **extra})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _contacts(conn) -> int:
    return conn.execute("SELECT count(*) FROM contacts").fetchone()[0]


def test_a_look_up_gives_counts_and_what_an_erasure_would_take(world, app, conn, cast):
    staff = token_for(conn, cast["staff"])
    found = _found(app, staff)
    assert found["looked_up"] == {"kind": "email", "value": EMAIL}
    assert found["counts"]["contacts"] == 2 and found["counts"]["contact_requests"] == 1
    assert [c["id"] for c in found["contacts"]] == world.contact_ids
    assert [(c["list"], c["invitations"]) for c in found["contacts"]] == [
        ("Klanten 2026", 1),
        ("Nieuwsbrief", 0),
    ]
    # As the confirmation page counts them.
    erasure = found["erasure"]
    assert (erasure["contacts"], erasure["response_links"], erasure["mail_files"]) == (2, 1, 2)
    assert found["lookup_token"] and found["expires_at"].endswith("Z")
    by_phone = _found(app, staff, "06 1234 5678")
    assert by_phone["looked_up"]["kind"] == "phone" and by_phone["counts"]["contacts"] == 2
    looked = [r for r in audit_rows(conn) if r[0] == "subject.looked_up"]
    assert [json.loads(r[2])["by"] for r in looked] == ["email", "phone"]
    assert json.loads(looked[0][2])["contacts"] == 2
    assert _contacts(conn) == 4  # a look-up changes nothing


def test_the_export_is_the_pages_json_export(world, app, conn, cast, as_role):
    web = as_role("staff")
    page_token = token_of(look_up(web, EMAIL).get_data(as_text=True))
    page = json.loads(
        web.post("/compliance/people/export", {"token": page_token, "format": "json"}).data
    )
    r = call(app, "post", EXPORT, token_for(conn, cast["staff"]), json={"query": EMAIL})
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.headers["Cache-Control"] == "no-store"
    assert r.get_json() == page
    assert r.get_json()["contacts"][0]["fields"]["last_name"] == LAST
    exported = [json.loads(d) for a, _t, d in audit_rows(conn) if a == "subject.exported"]
    assert [d["format"] for d in exported] == ["json", "json"]


def test_an_erasure_takes_the_look_up_and_is_noted_in_the_register(world, app, conn, cast):
    staff = token_for(conn, cast["staff"])
    entry = request_service.add_request(conn, CLI, date.today(), "erasure", "REF-7")
    found = _found(app, staff, request_id=entry)
    r = call(
        app,
        "post",
        ERASE,
        staff,
        json={"lookup_token": found["lookup_token"], "confirm": True, "request_id": entry},
    )
    assert r.status_code == 200, r.get_json()
    erased = r.get_json()
    assert erased["request_id"] == entry
    assert {k: erased["erased"][k] for k in found["erasure"]} == found["erasure"]
    assert _contacts(conn) == 2  # Piet and Kees stay
    details = [json.loads(d) for a, _t, d in audit_rows(conn) if a == "subject.erased"]
    assert details[0]["contacts"] == 2 and details[0]["request"] == entry
    outcome = conn.execute("SELECT outcome FROM privacy_requests WHERE id = ?", (entry,))
    assert "erased: 2 contact rows" in outcome.fetchone()[0]
    # The person is gone; the same look-up erases nothing more.
    again = call(
        app, "post", ERASE, staff, json={"lookup_token": found["lookup_token"], "confirm": True}
    )
    assert again.get_json()["erased"]["contacts"] == 0


def test_an_erasure_needs_confirmation_and_a_valid_look_up(world, app, conn, cast, as_role):
    staff = token_for(conn, cast["staff"])
    token = _found(app, staff)["lookup_token"]
    for bad, field in (
        ({"lookup_token": token}, "confirm"),
        ({"lookup_token": token, "confirm": False}, "confirm"),
        ({"query": EMAIL, "confirm": True}, "query"),
        ({"lookup_token": token, "confirm": True, "suppress": "ja"}, "suppress"),
    ):
        r = call(app, "post", ERASE, staff, json=bad)
        assert r.status_code == 400 and field in r.get_json()["error"], bad
    web_token = token_of(look_up(as_role("staff"), EMAIL).get_data(as_text=True))
    sara = token_for(conn, cast["staff2"])
    expired = URLSafeTimedSerializer(
        app.secret_key, salt=subject_views.TOKEN_SALT, signer=_SignedAnHourAgo
    )
    payload = {"k": "email", "v": EMAIL.lower(), "d": "", "u": cast["staff"].id}
    for who, lookup_token in (
        (staff, token[:-3] + "AAA"),  # altered
        (staff, web_token),  # a page's look-up is no API look-up
        (sara, token),  # another member of staff's look-up
        (staff, expired.dumps(payload)),
    ):
        r = call(app, "post", ERASE, who, json={"lookup_token": lookup_token, "confirm": True})
        assert r.status_code == 422 and "lookup_token" in r.get_json()["error"]
    # JSON can carry a lone surrogate, which no text column can hold: refused before the view.
    surrogate = '{"lookup_token": "\\ud800", "confirm": true}'
    r = call(app, "post", ERASE, staff, data=surrogate, content_type="application/json")
    assert r.status_code == 400 and "not valid Unicode" in r.get_json()["error"]
    assert _contacts(conn) == 4
    assert "subject.erased" not in [r[0] for r in audit_rows(conn)]


def test_refusals_of_input_role_scope_and_register_entry(world, app, conn, cast):
    staff = token_for(conn, cast["staff"])
    r = call(app, "post", LOOK_UP, staff, json={"query": "geen adres"})
    assert r.status_code == 422 and r.get_json()["error"].startswith("query:")
    for bad in ({}, {"query": ""}, {"query": EMAIL, "extra": 1}, {"query": EMAIL, "request_id": 0}):
        assert call(app, "post", LOOK_UP, staff, json=bad).status_code == 400, bad
    assert (
        call(app, "post", LOOK_UP, staff, json={"query": EMAIL, "request_id": 99}).status_code
        == 422
    )
    closed = request_service.add_request(conn, CLI, date.today(), "access", "REF-8")
    request_service.close_request(conn, CLI, closed, "done", "", date.today())
    r = call(app, "post", EXPORT, staff, json={"query": EMAIL, "request_id": closed})
    assert r.status_code == 409
    for role in ("admin", "researcher", "interviewer"):
        r = call(app, "post", LOOK_UP, token_for(conn, cast[role]), json={"query": EMAIL})
        assert r.status_code == 403, role
    narrowed = token_for(conn, cast["staff"], scopes={"contacts.manage", "responses.read"})
    for url in (LOOK_UP, EXPORT, ERASE):
        assert call(app, "post", url, narrowed, json={"query": EMAIL}).status_code == 403
    # Nothing was looked up by a refused call, and nothing of the person is in the log.
    assert "subject.looked_up" not in [r[0] for r in audit_rows(conn)]


def test_no_personal_data_in_the_audit_log(world, app, conn, cast):
    staff = token_for(conn, cast["staff"])
    found = _found(app, staff)
    call(app, "post", EXPORT, staff, json={"query": "+31 6 12345678"})
    call(app, "post", ERASE, staff, json={"lookup_token": found["lookup_token"], "confirm": True})
    logged = json.dumps([list(r) for r in audit_rows(conn)]).lower()
    for value in (EMAIL.lower(), "12345678", FIRST.lower(), LAST.lower()):
        assert value not in logged
    paths = [json.loads(d)["path"] for a, _t, d in audit_rows(conn) if a == "api.called"]
    assert sorted(set(paths)) == sorted({LOOK_UP, EXPORT, ERASE})
