"""The token-authenticated HTTP API: import, status, suppression, and its OpenAPI description."""

from __future__ import annotations

import re
import time

from openapi_spec_validator import validate

from appliance.auth import token_store
from appliance.contacts import store
from appliance.db import transaction
from tests.api.helpers import call, token_for
from tests.conftest import Browser, audit_actions

CSV = b"email;voornaam;regio\na@example.nl;An;Noord\nb@example.nl;Bo;Zuid\nkapot;X;Y\n"


def wait_for(conn, import_id):
    for _ in range(400):
        if store.get_import(conn, import_id)["status"] != "running":
            return
        time.sleep(0.05)
    raise AssertionError("import did not finish")


def test_staff_token_imports_a_file_and_polls_its_status(app, cast, conn):
    token = token_for(conn, cast["staff"])
    r = call(
        app,
        "post",
        "/api/v1/imports?list=CRM&basis=consent&map=regio=segment:regio",
        token,
        data=CSV,
        content_type="text/csv",
    )
    assert r.status_code == 202, r.get_json()
    body = r.get_json()
    assert r.headers["Location"] == body["url"] == f"/api/v1/imports/{body['id']}"
    wait_for(conn, body["id"])
    status = call(app, "get", body["url"], token).get_json()
    assert (status["status"], status["added"], status["invalid"]) == ("done", 2, 1)
    lists = call(app, "get", "/api/v1/lists", token).get_json()
    assert lists == [{"id": status["list_id"], "name": "CRM", "contacts": 2}]
    assert "contacts.imported" in audit_actions(conn)


def test_the_api_refuses_bad_requests_with_json(app, cast, conn):
    token = token_for(conn, cast["staff"])
    r = call(app, "post", "/api/v1/imports?list=CRM&basis=legitimate_interest", token, data=CSV)
    assert r.status_code == 422 and "legitimate interest" in r.get_json()["error"]
    r = call(app, "post", "/api/v1/imports?list=CRM&basis=consent", token, data=b"\x00\x01")
    assert r.status_code == 422 and "not text" in r.get_json()["error"]
    r = call(app, "post", "/api/v1/imports?list=CRM&basis=consent&map=nope=drop", token, data=CSV)
    assert r.status_code == 422
    assert call(app, "get", "/api/v1/imports/999", token).status_code == 404


def test_suppressions_through_the_api(app, cast, conn):
    token = token_for(conn, cast["staff"])
    r = call(
        app,
        "post",
        "/api/v1/suppressions",
        token,
        json={"addresses": ["x@example.nl", "X@example.nl", "geen"]},
    )
    assert r.get_json() == {"added": 1, "already_listed": 1, "invalid": 1}
    assert call(app, "post", "/api/v1/suppressions", token, json={"x": 1}).status_code == 400


def test_only_a_live_token_of_an_enabled_staff_account_works(app, cast, conn):
    assert call(app, "get", "/api/v1/lists").status_code == 401
    assert call(app, "get", "/api/v1/lists", "apl_made-up").status_code == 401
    staff_token = token_for(conn, cast["staff"])
    conn.execute("UPDATE users SET disabled_at = 'x' WHERE id = ?", (cast["staff"].id,))
    assert call(app, "get", "/api/v1/lists", staff_token).status_code == 401
    researcher_token = token_for(conn, cast["researcher"])
    assert call(app, "get", "/api/v1/lists", researcher_token).status_code == 403
    sara = token_for(conn, cast["staff2"])
    assert call(app, "get", "/api/v1/lists", sara).status_code == 200
    token_id = conn.execute(
        "SELECT id FROM api_tokens WHERE user_id = ?", (cast["staff2"].id,)
    ).fetchone()[0]
    with transaction(conn):
        token_store.revoke_api_token(conn, cast["staff2"].id, token_id)
    assert call(app, "get", "/api/v1/lists", sara).status_code == 401


def test_a_browser_session_cannot_use_the_api(as_role):
    # Cookies ride along on cross-site requests; the API must not accept them (no CSRF there).
    staff = as_role("staff")
    r = staff.client.post("/api/v1/suppressions", json={"addresses": ["a@example.nl"]})
    assert r.status_code == 401


def test_a_token_is_created_once_on_the_account_page_and_can_be_revoked(app, as_role, conn):
    staff = as_role("staff")
    form = {"name": "CRM export", "scopes": ["contacts.manage"], "days": "30"}
    page = staff.post("/account/tokens", form).get_data(as_text=True)
    token = re.search(r'id="api-token">(apl_[\w-]+)<', page).group(1)
    assert len(token) > 40
    stored = conn.execute("SELECT token_hash FROM api_tokens").fetchone()[0]
    assert token.encode() not in bytes(stored)
    assert call(app, "get", "/api/v1/lists", token).status_code == 200
    token_id = conn.execute("SELECT id FROM api_tokens").fetchone()[0]
    staff.post(f"/account/tokens/{token_id}/revoke")
    assert call(app, "get", "/api/v1/lists", token).status_code == 401
    assert audit_actions(conn)[-3:] == ["api_token.created", "api.called", "api_token.revoked"]
    assert "CRM export" in staff.get("/account/").get_data(as_text=True)


def test_the_openapi_file_describes_exactly_the_api_routes_and_is_valid(app):
    spec = Browser(app).get("/api/openapi.json").get_json()
    validate(spec)  # the OpenAPI Initiative's own validator, 3.1 rules
    assert spec["openapi"] == "3.1.0"
    described = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert described == routed
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op["security"] == [{"token": [op["x-action"]]}], (path, method)


def test_a_refused_import_leaves_no_list_or_upload_behind(app, cast, conn, data_dir):
    token = token_for(conn, cast["staff"])
    for query in (
        "list=Nieuw&basis=consent&map=nope=drop",
        "list=Nieuw&basis=consent&preset=x",
        "list=Nieuw&basis=consent&encoding=rot13",
    ):
        assert call(app, "post", f"/api/v1/imports?{query}", token, data=CSV).status_code == 422
    assert conn.execute("SELECT count(*) FROM contact_lists").fetchone()[0] == 0
    assert not list((data_dir / "uploads").glob("*.upload"))
