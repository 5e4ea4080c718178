"""`appliance demo`: a fresh data directory filled with an example that works at once."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from appliance import create_app, db
from appliance.auth import store as auth_store
from appliance.cli import main
from appliance.mailing import store as mailing_store
from appliance.surveys import store as surveys_store
from tests.conftest import Browser

PW = "Cli-wachtwoord-lang-2026\n"


def run(*args, input=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One demo run on a directory that does not exist yet: (data dir, output, seconds)."""
    data = tmp_path_factory.mktemp("demo") / "data"
    started = time.monotonic()
    result = run("--data-dir", str(data), "demo")
    assert result.exit_code == 0, result.output
    return data, result.output, time.monotonic() - started


@pytest.fixture
def conn(demo):
    connection = db.connect(db.db_path(demo[0]))
    yield connection
    connection.close()


def credentials(output: str, role: str) -> tuple[str, str]:
    found = re.search(rf"^\s*{role}:\s+(\S+)\s+password (\S+)$", output, re.MULTILINE)
    assert found, output
    return found.group(1), found.group(2)


def test_it_fills_a_fresh_directory_quickly(demo, conn):
    data, output, seconds = demo
    assert seconds < 30
    assert (data / "appliance.db").exists() and "applied migrations" in output
    [listed] = surveys_store.list_surveys(conn)
    survey = surveys_store.get_survey(conn, listed["id"])
    assert survey["status"] == "open"
    assert json.loads(survey["report_segments"]) == ["klanttype", "regio"]
    assert 500 <= surveys_store.response_count(conn, survey["id"]) <= 700
    lists = dict(
        conn.execute(
            "SELECT l.name, count(c.id) FROM contact_lists l JOIN contacts c ON c.list_id = l.id"
            " GROUP BY l.id"
        ).fetchall()
    )
    # The customers, and the telephone campaign's own call list (appliance/demo_interviews.py).
    assert set(lists) == {"Klanten (demo)", "Bellijst (demo)"}
    assert 2900 <= lists["Klanten (demo)"] <= 3100
    assert "http://127.0.0.1:8080" in output


def test_contacts_are_imported_encrypted_with_segments(demo, conn):
    row = conn.execute("SELECT * FROM contacts WHERE email IS NOT NULL LIMIT 1").fetchone()
    # Ciphertext: no address text in it (a random byte may well be 0x40, '@', so look for more).
    assert isinstance(row["email"], bytes)
    for domain in (b"example.", b"voorbeeld.nl"):
        assert domain not in row["email"]
    assert set(json.loads(row["segments"])) == {"regio", "klanttype"}
    values = {
        json.loads(r[0])["regio"] for r in conn.execute("SELECT segments FROM contacts LIMIT 500")
    }
    assert values <= {"noord", "oost", "zuid", "west", "randstad"} and len(values) == 5
    batch = conn.execute("SELECT basis, status FROM contact_imports").fetchone()
    assert tuple(batch) == ("legitimate_interest", "done")


def test_the_campaign_went_out_to_files(demo, conn):
    data = demo[0]
    [listed] = [c for c in mailing_store.list_campaigns(conn) if c["channel"] == "email"]
    campaign = mailing_store.get_campaign(conn, listed["id"])
    assert campaign["status"] in ("done", "active")
    files = list((data / "mail").rglob("*.eml"))
    assert len(files) == campaign["recipients"] > 2500
    text = files[0].read_text()
    assert "/i/" in text and "Voorbeeld BV" in text
    assert re.search(r"^To: .*@(example\.(nl|com|org)|voorbeeld\.nl)>?$", text, re.MULTILINE)
    # Invitation responses came through the links in those messages.
    assert 0 < campaign["responses"] < campaign["recipients"]


def test_responses_look_like_a_real_study(demo, conn):
    rows = conn.execute("SELECT mode, submitted_on, segments, answers FROM responses").fetchall()
    modes = {r["mode"] for r in rows}
    # With the interviews of the last ten days (appliance/demo_fieldwork.py).
    assert modes == {"invitation", "link", "kiosk", "phone", "onsite"}
    invited = [r for r in rows if r["mode"] == "invitation"]
    assert len(invited) > len(rows) / 2
    carried = [set(json.loads(r["segments"])) for r in invited]
    # The first k-1 respondents of each group carry no values (who answered is in the file).
    assert all(c in ({"regio", "klanttype"}, set()) for c in carried)
    assert sum(bool(c) for c in carried) > len(invited) / 2
    days = sorted(r["submitted_on"] for r in rows)
    span = (
        time.mktime(time.strptime(days[-1], "%Y-%m-%d"))
        - time.mktime(time.strptime(days[0], "%Y-%m-%d"))
    ) / 86400
    assert 60 <= span <= 91
    answers = [json.loads(r["answers"]) for r in rows]
    nps = [int(a["nps"]) for a in answers]
    assert sum(7 <= n <= 9 for n in nps) > len(nps) / 2 and sum(n <= 6 for n in nps) > 20
    remarks = sum("remark" in a for a in answers)
    assert 0.15 * len(rows) < remarks < 0.4 * len(rows)


def test_the_printed_accounts_sign_in(demo, conn, monkeypatch):
    data, output, _ = demo
    staff, staff_pw = credentials(output, "staff")
    researcher, researcher_pw = credentials(output, "researcher")
    assert auth_store.user_by_name(conn, staff).role == "staff"
    user = auth_store.user_by_name(conn, researcher)
    assert user.role == "researcher"
    [survey] = surveys_store.list_surveys(conn)
    assert auth_store.granted_survey_ids(conn, user.id) == {survey["id"]}
    for name in list(os.environ):
        if name.startswith("APPLIANCE_"):
            monkeypatch.delenv(name)
    app = create_app({"data_dir": str(data), "secure_cookies": False})
    b = Browser(app)
    r = b.login_password(staff, staff_pw)
    # Staff, like researchers, enrol two-factor login before they see anything.
    assert r.status_code == 302 and r.headers["Location"] == "/login/enrol"
    assert b.get("/reports/").status_code == 302
    assert b.enrol(auth_store.user_by_name(conn, staff).id).status_code == 200
    assert b.get("/reports/").status_code == 200
    # Researchers enrol two-factor login before they see anything.
    assert Browser(app).login_password(researcher, researcher_pw).headers["Location"] == (
        "/login/enrol"
    )
    assert "two-factor" in output


def test_the_demo_interviewer_is_assigned_the_survey_and_enrols_first(demo, conn):
    data, output, _ = demo
    name, password = credentials(output, "interviewer")
    user = auth_store.user_by_name(conn, name)
    assert user.role == "interviewer"
    [survey] = surveys_store.list_surveys(conn)
    assert auth_store.granted_survey_ids(conn, user.id) == {survey["id"]}
    app = create_app({"data_dir": str(data), "secure_cookies": False})
    assert Browser(app).login_password(name, password).headers["Location"] == "/login/enrol"
    # A telephone campaign of the survey with a call list for them, callable now.
    campaign = conn.execute(
        "SELECT id, status, survey_id FROM campaigns WHERE channel = 'phone'"
    ).fetchone()
    assert (campaign["status"], campaign["survey_id"]) == ("active", survey["id"])
    calls = conn.execute(
        "SELECT count(*) FROM calls WHERE campaign_id = ?", (campaign["id"],)
    ).fetchone()[0]
    assert calls == 40 and f"#{campaign['id']}: 40 calls" in output


def test_ten_days_of_interviewing_went_before(demo, conn):
    """Two interviewers worked most of the call list and interviewed at both locations on the
    days before today: the rates and interviewer pages have figures, and calls are left."""
    today = conn.execute("SELECT date('now', 'localtime')").fetchone()[0]
    modes = dict(
        conn.execute(
            "SELECT mode, count(*) FROM responses WHERE mode IN ('phone', 'onsite') GROUP BY mode"
        ).fetchall()
    )
    assert modes["phone"] >= 15 and modes["onsite"] >= 12
    days = conn.execute(
        "SELECT min(submitted_on), max(submitted_on) FROM responses"
        " WHERE mode IN ('phone', 'onsite')"
    ).fetchone()
    assert days[1] < today
    locations = {
        json.loads(r[0]).get("location")
        for r in conn.execute("SELECT segments FROM responses WHERE mode = 'onsite'")
    }
    assert locations == {"Winkel Zwolle", "Station Deventer"}
    calls = {
        (r["status"], r["last_outcome"]): r["n"]
        for r in conn.execute("SELECT status, last_outcome, count(*) AS n FROM calls GROUP BY 1, 2")
    }
    closed = {outcome for status, outcome in calls if status == "closed"}
    assert {"complete", "break_off", "refusal", "wrong_number"} <= closed
    assert sum(n for (status, _), n in calls.items() if status == "closed") >= 25
    still = {outcome: n for (status, outcome), n in calls.items() if status == "open"}
    assert sum(still.values()) >= 5 and still.get("appointment")
    # An appointment to come, and retries due: the interviewer who signs in has calls to make.
    assert conn.execute(
        "SELECT count(*) FROM calls WHERE status = 'open' AND appointment_at > strftime('%s')"
    ).fetchone()[0]
    assert conn.execute(
        "SELECT count(*) FROM calls WHERE status = 'open' AND appointment_at IS NULL"
        " AND next_at <= strftime('%s') + 86400"
    ).fetchone()[0]
    # One refusal asked not to be called again: the number is on the "do not call" list.
    assert conn.execute("SELECT count(*) FROM suppressions").fetchone()[0] >= 1
    # Interviewer figures of both, over days before today, each over at least k interviews.
    figures = conn.execute(
        "SELECT u.username, sum(d.interviews) AS n, sum(d.attempts) AS attempts"
        " FROM interviewer_days d JOIN users u ON u.id = d.user_id WHERE d.day < ?"
        " GROUP BY u.username",
        (today,),
    ).fetchall()
    assert {r["username"] for r in figures} == {"demo.interviewer", "demo.interviewer2"}
    assert all(r["n"] >= 5 and r["attempts"] >= 10 for r in figures)
    assert (
        conn.execute(
            "SELECT count(DISTINCT user_id) FROM interviewer_scores WHERE day < ?", (today,)
        ).fetchone()[0]
        == 2
    )
    # The report's response rates: the release after the fieldwork copied the calls' outcomes.
    released = dict(
        conn.execute("SELECT code, n FROM report_dispositions WHERE mode = 'phone'").fetchall()
    )
    assert released["complete"] == calls[("closed", "complete")] and sum(released.values()) == 40


def test_a_second_run_refuses_and_changes_nothing(demo, conn):
    data = demo[0]
    before = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    r = run("--data-dir", str(data), "demo")
    assert r.exit_code != 0 and "fills only a fresh one" in r.output
    assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before


def test_it_refuses_a_directory_with_an_account(tmp_path: Path):
    data = str(tmp_path / "data")
    run("--data-dir", data, "init", "--no-setup-code")
    added = run(
        "--data-dir", data, "user", "add", "beheer", "--role", "admin", "--password-stdin", input=PW
    )
    assert added.exit_code == 0, added.output
    r = run("--data-dir", data, "demo")
    assert r.exit_code == 1 and "user accounts" in r.output
    connection = db.connect(db.db_path(data))
    assert connection.execute("SELECT count(*) FROM surveys").fetchone()[0] == 0
    connection.close()


def test_the_printed_address_is_the_one_served(tmp_path, demo):
    """Not always 8080: the configured host and port (or the ones given to demo), as serve
    and the links in mail use them."""
    assert "Open http://127.0.0.1:8080/login" in demo[1]  # nothing configured: the default
    config = tmp_path / "appliance.toml"
    config.write_text('host = "0.0.0.0"\nport = 9123\n')
    result = run("--data-dir", str(tmp_path / "a"), "--config", str(config), "demo")
    assert result.exit_code == 0, result.output
    assert "Open http://127.0.0.1:9123/login and sign in" in result.output
    assert ":8080" not in result.output
    result = run("--data-dir", str(tmp_path / "b"), "demo", "--port", "9555", "--host", "10.0.0.5")
    assert result.exit_code == 0, result.output
    assert "Open http://10.0.0.5:9555/login and sign in" in result.output
