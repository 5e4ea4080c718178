"""The interviewer as a managed account: created and assigned surveys by an admin (audited),
without the researcher's access period, signing in with a second factor and landing on the
interviews area, listed by the CLI with the surveys assigned."""

from __future__ import annotations

import json

from click.testing import CliRunner

from appliance.auth import store as auth_store
from appliance.cli import main
from tests.conftest import PASSWORD, Browser, audit_actions

SURVEYS = (
    "INSERT INTO surveys (id, title, created_at) VALUES (7, 'Klanttevredenheid 2026',"
    " '2026-01-01T00:00:00Z'), (8, 'Medewerkers', '2026-01-01T00:00:00Z')"
)


def new_interviewer(**fields):
    base = {
        "username": "irene",
        "password": "Nieuwe-interviewer-2026",
        "display_name": "Irene",
        "role": "interviewer",
        "language": "nl",
        "surveys": ["7"],
    }
    return {**base, **fields}


def test_an_admin_creates_an_interviewer_assigned_to_surveys(app, as_role, conn):
    conn.execute(SURVEYS)
    r = as_role("admin").post("/admin/users/new", new_interviewer(surveys=["7", "8"]))
    assert r.status_code == 302
    irene = auth_store.user_by_name(conn, "irene")
    assert irene.role == "interviewer" and irene.must_change_password
    assert auth_store.granted_survey_ids(conn, irene.id) == {7, 8}
    assert audit_actions(conn)[-2:] == ["user.created", "user.grants_changed"]
    details = conn.execute(
        "SELECT details FROM audit_log WHERE action = 'user.grants_changed'"
    ).fetchone()[0]
    assert json.loads(details) == {"added": [7, 8], "removed": []}
    # Her first sign-in enrols two-factor login before anything else, as for every non-staff role.
    r = Browser(app).login_password("irene", "Nieuwe-interviewer-2026")
    assert r.status_code == 302 and r.headers["Location"] == "/login/enrol"


def test_the_access_period_stays_the_researchers(as_role, conn):
    conn.execute(SURVEYS)
    r = as_role("admin").post(
        "/admin/users/new",
        new_interviewer(valid_from="2026-05-01", valid_until="2026-04-01"),
    )
    # The dates are ignored rather than refused: an interviewer has no access period at all.
    assert r.status_code == 302
    irene = auth_store.user_by_name(conn, "irene")
    assert (irene.valid_from, irene.valid_until) == (None, None)


def test_assignments_change_on_the_edit_page_and_are_audited(as_role, cast, conn):
    conn.execute(SURVEYS)
    ivo = cast["interviewer"]
    admin = as_role("admin")
    page = admin.get(f"/admin/users/{ivo.id}").get_data(as_text=True)
    assert "Klanttevredenheid 2026" in page and 'selected value="interviewer"' in page
    r = admin.post(
        f"/admin/users/{ivo.id}", {"role": "interviewer", "language": "", "surveys": ["8"]}
    )
    assert r.status_code == 302
    assert auth_store.granted_survey_ids(conn, ivo.id) == {8}
    r = admin.post(
        f"/admin/users/{ivo.id}", {"role": "interviewer", "language": "", "surveys": ["7"]}
    )
    assert auth_store.granted_survey_ids(conn, ivo.id) == {7}
    changes = [
        json.loads(row[0])
        for row in conn.execute(
            "SELECT details FROM audit_log WHERE action = 'user.grants_changed' ORDER BY id"
        )
    ]
    assert changes == [{"added": [8], "removed": []}, {"added": [7], "removed": [8]}]


def test_an_interviewer_who_becomes_staff_keeps_no_assignment(as_role, cast, conn):
    conn.execute(SURVEYS)
    conn.execute("INSERT INTO researcher_grants VALUES (?, 7)", (cast["interviewer"].id,))
    r = as_role("admin").post(
        f"/admin/users/{cast['interviewer'].id}",
        {"role": "staff", "language": "", "surveys": ["7"]},
    )
    assert r.status_code == 302
    assert auth_store.granted_survey_ids(conn, cast["interviewer"].id) == set()


def test_the_list_of_users_shows_how_many_surveys_an_interviewer_has(as_role, cast, conn):
    conn.execute(SURVEYS)
    page = as_role("admin").get("/admin/users/").get_data(as_text=True)
    assert "0 surveys assigned" in page and "Interviewer" in page
    conn.execute("INSERT INTO researcher_grants VALUES (?, 7)", (cast["interviewer"].id,))
    assert "1 survey assigned" in as_role("admin").get("/admin/users/").get_data(as_text=True)


def test_the_admins_start_page_lists_interviewers_and_their_assignments(as_role, cast, conn):
    conn.execute(SURVEYS)
    ivo = cast["interviewer"]
    page = as_role("admin").get("/").get_data(as_text=True)
    line = page.split(f'id="interviewer-{ivo.id}"')[1].split("</li>")[0]
    assert "Ivo" in line and "no survey assigned" in line
    assert "two-factor login not set up yet" not in line  # the cast's ivo has enrolled
    conn.execute("INSERT INTO researcher_grants VALUES (?, 7), (?, 8)", (ivo.id, ivo.id))
    conn.execute("UPDATE users SET totp_enabled = 0 WHERE id = ?", (ivo.id,))
    page = as_role("admin").get("/").get_data(as_text=True)
    line = page.split(f'id="interviewer-{ivo.id}"')[1].split("</li>")[0]
    assert "2 surveys assigned" in line and "two-factor login not set up yet" in line
    conn.execute("UPDATE users SET disabled_at = '2026-01-01T00:00:00Z' WHERE id = ?", (ivo.id,))
    assert 'id="interviewers"' not in as_role("admin").get("/").get_data(as_text=True)


def test_an_interviewers_refusals_stay_off_the_researcher_activity_page(as_role, conn):
    interviewer = as_role("interviewer")
    assert interviewer.get("/contacts/").status_code == 403
    assert interviewer.get("/reports/").status_code == 403
    # Only the outside researcher is watched; the interviewer's account is the client's own.
    assert "request.refused" not in audit_actions(conn)
    page = as_role("staff").get("/researchers/activity")
    assert page.status_code == 200 and "ivo" not in page.get_data(as_text=True).lower()


def test_a_refused_role_is_explained(as_role, cast):
    r = as_role("admin").post(
        f"/admin/users/{cast['interviewer'].id}", {"role": "call-centre", "language": ""}
    )
    assert r.status_code == 400 and b"Not a valid choice" in r.data


def test_the_interviewer_signs_in_with_a_code_and_lands_on_the_interviews(app, cast):
    b = Browser(app)
    r = b.sign_in_with_code(cast["interviewer"])
    assert r.status_code == 302 and r.headers["Location"] == "/"
    r = b.get("/")
    assert r.status_code == 302 and r.headers["Location"] == "/interviews/"
    assert b.get("/interviews/").status_code == 200


def test_a_wrong_code_keeps_the_interviewer_out(app, cast):
    b = Browser(app)
    r = b.sign_in_with_code(cast["interviewer"], code="000000")
    assert r.status_code == 401
    assert b.get("/account/").headers["Location"].startswith("/login")


def test_the_interviewers_menu_has_only_their_items(app, as_role):
    page = as_role("interviewer").get("/account/").get_data(as_text=True)
    nav = page.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    links = [part.split('"')[0] for part in nav.split('href="')[1:]]
    assert links == ["/interviews/", "/account/"]
    for link in links:
        assert as_role("interviewer").get(link).status_code == 200


def test_the_cli_lists_an_interviewers_surveys(data_dir, cast, conn):
    conn.execute(SURVEYS)
    conn.execute(
        "INSERT INTO researcher_grants VALUES (?, 7), (?, 8)", (cast["interviewer"].id,) * 2
    )
    result = CliRunner().invoke(main, ["--data-dir", str(data_dir), "user", "list"])
    assert result.exit_code == 0, result.output
    [line] = [row for row in result.output.splitlines() if row.startswith("ivo ")]
    assert line.split()[1] == "interviewer" and line.endswith("active surveys 7,8")


def test_the_cli_creates_an_interviewer(data_dir, conn):
    result = CliRunner().invoke(
        main,
        ["--data-dir", str(data_dir), "user", "add", "iris", "--role", "interviewer",
         "--password-stdin"],
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    iris = auth_store.user_by_name(conn, "iris")
    assert iris.role == "interviewer" and iris.must_change_password
