"""The audit log through the API: what the admin page and its CSV export show, read forward with
a cursor, with the page's filters; for admins with the scope only."""

from __future__ import annotations

import csv
import io
import json

from appliance import audit
from tests.api.helpers import call, token_for

URL = "/api/v1/audit"


def _write(conn, n: int, action: str = "test.step", actor: str = "cli") -> None:
    for i in range(n):
        audit.record(conn, action, actor=actor, target=f"thing:{i}", details={"n": i})


def _read(app, token, query: str = "") -> dict:
    r = call(app, "get", f"{URL}?{query}", token)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_an_admin_reads_the_log_forward_with_a_cursor(app, conn, cast, as_role):
    admin = token_for(conn, cast["admin"])
    start = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    _write(conn, 5)
    first = _read(app, admin, f"after_id={start}&limit=3&action=test.")
    assert [e["details"]["n"] for e in first["items"]] == [0, 1, 2]
    assert first["more"] is True and first["next_after_id"] == first["items"][-1]["id"]
    rest = _read(app, admin, f"after_id={first['next_after_id']}&limit=3&action=test.")
    assert [e["details"]["n"] for e in rest["items"]] == [3, 4] and rest["more"] is False
    done = _read(app, admin, f"after_id={rest['next_after_id']}&action=test.")
    assert (done["items"], done["next_after_id"]) == ([], rest["next_after_id"])
    # Each entry as the page's CSV export has it.
    exported = csv.DictReader(
        io.StringIO(as_role("admin").get("/admin/audit/export.csv?action=test.").get_data(True))
    )
    by_id = {int(row["id"]): row for row in exported}
    for entry in first["items"] + rest["items"]:
        row = by_id[entry["id"]]
        assert {**entry, "id": row["id"], "details": json.dumps(entry["details"])} == row


def test_the_page_filters(app, conn, cast):
    admin = token_for(conn, cast["admin"])
    _write(conn, 2, "test.alpha", "cli")
    _write(conn, 1, "test.beta", "system")
    alpha = _read(app, admin, "action=test.al")["items"]
    assert [e["action"] for e in alpha] == ["test.alpha", "test.alpha"]
    assert [e["action"] for e in _read(app, admin, "action=test.&actor=SYSTEM")["items"]] == [
        "test.beta"
    ]
    # Moments bound the entries: since inclusive, until exclusive.
    moment = alpha[0]["at"]
    assert _read(app, admin, f"action=test.al&since={moment}")["items"] == alpha
    assert _read(app, admin, f"action=test.al&until={moment}")["items"] == []
    assert _read(app, admin, "action=test.al&until=2099-01-01T00:00:00Z")["items"] == alpha
    assert _read(app, admin, "since=2099-01-01T00:00:00Z")["items"] == []


def test_refusals(app, conn, cast):
    admin = token_for(conn, cast["admin"])
    for query, field in (
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("after_id=-1", "after_id"),
        ("after_id=x", "after_id"),
        ("since=2026-01-01", "since"),
        ("until=2026-02-30T00:00:00Z", "until"),
    ):
        r = call(app, "get", f"{URL}?{query}", admin)
        assert r.status_code == 400 and field in r.get_json()["error"], query
    for role in ("staff", "researcher", "interviewer"):
        assert call(app, "get", URL, token_for(conn, cast[role])).status_code == 403, role
    narrowed = token_for(conn, cast["admin"], scopes={"users.manage"})
    assert call(app, "get", URL, narrowed).status_code == 403
    assert call(app, "get", URL).status_code == 401
