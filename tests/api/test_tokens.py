"""Personal API tokens: scopes that only narrow the owner's role, an end, the researcher's access
period, revocation, the account page that makes them, and an audit entry for every call."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from appliance import db, schema
from appliance.auth import service as auth_service
from appliance.auth import tokens
from appliance.auth.service import CLI, Actor
from appliance.auth.store import get_user
from appliance.db import transaction, utcnow
from appliance.migrations import STEPS, migration_set
from tests.api.helpers import call, token_for

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def calls(conn) -> list[dict]:
    rows = conn.execute("SELECT target, details FROM audit_log WHERE action = 'api.called'")
    return [{"target": r[0], **json.loads(r[1])} for r in rows]


def test_a_token_can_only_do_what_its_scopes_say(app, cast, conn):
    narrow = token_for(conn, cast["staff"], scopes={"reports.read"})
    assert call(app, "get", "/api/v1/lists", narrow).status_code == 403
    wide = token_for(conn, cast["staff"], scopes={"contacts.manage"})
    assert call(app, "get", "/api/v1/lists", wide).status_code == 200


def test_a_token_cannot_be_given_more_than_its_owners_role(conn, cast):
    rita = get_user(conn, cast["researcher"].id)
    with pytest.raises(ValueError, match="contacts.manage"):
        tokens.create_api_token(conn, rita, "x", frozenset({"contacts.manage"}), utcnow())
    with pytest.raises(ValueError, match="at least one"):
        tokens.create_api_token(conn, rita, "x", frozenset(), utcnow())
    sam = get_user(conn, cast["staff"].id)
    with pytest.raises(ValueError, match="account.self"):
        tokens.create_api_token(conn, sam, "x", frozenset({"account.self"}), utcnow())


def test_a_role_taken_away_narrows_the_tokens_already_made(app, cast, conn):
    token = token_for(conn, cast["staff2"], scopes={"contacts.manage"})
    assert call(app, "get", "/api/v1/lists", token).status_code == 200
    conn.execute("UPDATE users SET role = 'admin' WHERE id = ?", (cast["staff2"].id,))
    assert call(app, "get", "/api/v1/lists", token).status_code == 403


def test_an_admins_change_to_the_account_revokes_its_tokens(app, cast, conn):
    """A role change, a password or second-factor reset, or disabling: whoever held the
    account's tokens loses them with its sessions (a staff token for reports.read would
    otherwise read as a researcher without her second factor)."""
    sara = cast["staff2"]
    today = date.today().isoformat()
    changes = (
        lambda u: auth_service.update(
            conn, CLI, u, role="researcher", valid_from=today, valid_until=today
        ),
        lambda u: auth_service.set_password(
            conn, CLI, u, "een-heel-nieuw-wachtwoord-9", temporary=True
        ),
        lambda u: auth_service.reset_two_factor(conn, CLI, u),
        lambda u: auth_service.set_disabled(conn, CLI, u, True),
    )
    for change in changes:
        token = token_for(conn, sara, scopes={"reports.read"})
        assert call(app, "get", "/api/v1/reports/surveys", token).status_code == 200
        change(get_user(conn, sara.id))
        assert call(app, "get", "/api/v1/reports/surveys", token).status_code == 401
        last = conn.execute(
            "SELECT details FROM audit_log WHERE action != 'api.called' ORDER BY id DESC"
        ).fetchone()[0]
        assert '"tokens_revoked": 1' in last
        conn.execute(
            "UPDATE users SET role = 'staff', disabled_at = NULL, valid_from = NULL,"
            " valid_until = NULL WHERE id = ?",
            (sara.id,),
        )
    # The owner changing her own password keeps the tokens she made.
    token = token_for(conn, sara, scopes={"reports.read"})
    me = Actor(sara.id, "sara")
    auth_service.set_password(conn, me, get_user(conn, sara.id), "mijn-eigen-nieuwe-wachtwoord-3")
    assert call(app, "get", "/api/v1/reports/surveys", token).status_code == 200


def test_an_ended_token_is_refused(app, cast, conn):
    token = token_for(conn, cast["staff"], scopes={"contacts.manage"})
    conn.execute("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00Z'")
    response = call(app, "get", "/api/v1/lists", token)
    assert response.status_code == 401 and "token" in response.get_json()["error"]


def test_a_researchers_token_ends_with_her_access_and_works_only_inside_it(app, cast, conn):
    rita = get_user(conn, cast["researcher"].id)
    now = datetime(2026, 12, 3, 12, tzinfo=UTC)
    end = tokens.ends(rita, 365, now, AMSTERDAM)
    last_day = date.fromisoformat(rita.valid_until)
    assert end == datetime.combine(last_day + timedelta(days=1), datetime.min.time(), AMSTERDAM)
    assert tokens.ends(get_user(conn, cast["staff"].id), 10, now, AMSTERDAM) == now + timedelta(10)
    with pytest.raises(ValueError):
        tokens.ends(rita, 366, now, AMSTERDAM)
    # Rex's access ended yesterday: a token of his is refused, whatever its own end.
    rex = token_for(conn, cast["expired"], scopes={"reports.read"})
    assert call(app, "get", "/api/openapi.json").status_code == 200
    assert call(app, "get", "/api/v1/lists", rex).status_code == 401


def test_every_call_with_a_token_is_in_the_audit_log(app, cast, conn):
    token = token_for(conn, cast["staff"], scopes={"contacts.manage"})
    token_id = conn.execute("SELECT max(id) FROM api_tokens").fetchone()[0]
    call(app, "get", "/api/v1/lists", token)
    call(app, "get", "/api/v1/imports/999", token)
    researcher = token_for(conn, cast["researcher"])
    call(app, "get", "/api/v1/lists", researcher)
    # The log is kept whole, so it names routes: a path as typed could hold an address, and
    # a response's id beside the moment it was read would date the response.
    call(app, "get", "/api/v1/subjects/jan.jansen@example.nl", token)
    call(app, "get", "/api/v1/surveys/1/responses/abc123", token)
    entries = calls(conn)
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/api/v1/lists", 200),
        ("GET", "/api/v1/imports/999", 404),
        ("GET", "/api/v1/lists", 403),
        ("GET", "/api/<unmatched>", 404),
        ("GET", "/api/v1/surveys/1/responses/<response_id>", 403),
    ]
    raw = " ".join(r[0] for r in conn.execute("SELECT details FROM audit_log"))
    assert "jansen" not in raw and "abc123" not in raw
    assert entries[0]["target"] == f"api_token:{token_id}"
    assert all(token not in json.dumps(e) for e in entries)


def test_the_account_page_offers_what_the_api_offers_the_role(as_role, conn):
    staff = as_role("staff").get("/account/").get_data(as_text=True)
    assert 'value="contacts.manage"' in staff and 'value="account.self"' not in staff
    researcher = as_role("researcher")
    page = researcher.get("/account/").get_data(as_text=True)
    assert re.findall(r'name="scopes" type="checkbox" value="([\w.]+)"', page) == ["reports.read"]
    assert "ends with your access period" in page
    # A forged scope is refused and nothing is made.
    forged = {"name": "x", "scopes": ["contacts.manage"], "days": "30"}
    assert researcher.post("/account/tokens", forged).status_code == 400
    assert conn.execute("SELECT count(*) FROM api_tokens").fetchone()[0] == 0
    made = researcher.post("/account/tokens", {**forged, "scopes": ["reports.read"]})
    assert made.status_code == 200 and "apl_" in made.get_data(as_text=True)
    row = conn.execute("SELECT scopes, expires_at FROM api_tokens").fetchone()
    assert row[0] == "reports.read" and row[1] > db.iso(utcnow())
    interviewer = as_role("interviewer")
    assert "API tokens" not in interviewer.get("/account/").get_data(as_text=True)
    assert interviewer.post("/account/tokens", {"name": "x", "days": "3"}).status_code == 403


def test_tokens_made_before_scopes_keep_exactly_what_they_could_do(tmp_path):
    conn = db.connect(tmp_path / "old.db")
    before = [s for s in STEPS if s[0] < "0032"]
    schema.migrate(conn, migration_set(before))
    with transaction(conn):
        conn.execute(
            "INSERT INTO users (id, username, display_name, role, password_hash,"
            " password_changed_at, created_at) VALUES (1, 'sam', 'Sam', 'staff', 'x', 'x', 'x')"
        )
        conn.execute(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at)"
            " VALUES (1, 'old job', x'00', '2026-01-01T00:00:00Z')"
        )
    schema.migrate(conn)
    scopes, ends = conn.execute("SELECT scopes, expires_at FROM api_tokens").fetchone()
    assert scopes == "contacts.manage"
    in_a_year = utcnow() + timedelta(days=365)
    assert abs(db.parse_iso(ends) - in_a_year) < timedelta(minutes=5)
