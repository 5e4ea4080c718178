"""The licence never cuts off a legal duty or work under way: with the licence expired (and its
modules gone) and with the trial over, each of these still works end to end. Each test asserts
the outcome itself, so a licence check added later on one of these paths fails here."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from appliance import db
from appliance.privacy import retention_service, suppression
from tests.backup.conftest import (
    backup,
    key_file,  # noqa: F401
    run,
)
from tests.conftest import app_settings
from tests.factories import answer_page, grant, invite, open_survey, submit_response
from tests.licensing import force, issue, new_key
from tests.mailing.test_unsubscribe import _token as unsubscribe_token
from tests.paper import entry_helpers as paper
from tests.privacy import subject_world
from tests.privacy import world as retention_world
from tests.publication import published as pub
from tests.publication.staff import public, with_reviews

KEY = new_key()
TODAY = date.today()


@pytest.fixture
def settings_overrides(data_dir):
    return {**app_settings(data_dir), "min_group_size": pub.K, "base_url": "http://localhost"}


@pytest.fixture(params=["expired", "trial_over"])
def ended(request, conn):
    """``ended()`` turns the licence off as the test's state says: expired with no modules
    left, or the trial over without a licence (no modules either)."""

    def apply():
        if request.param == "expired":
            body = issue(
                KEY,
                valid_from=TODAY - timedelta(days=400),
                valid_until=TODAY - timedelta(days=40),
                modules=(),
            )
            force(conn, body)
        else:
            force(conn, None, trial_started=TODAY - timedelta(days=40))
        refused = as_new_work_refused(conn)
        assert refused, "the licence should refuse new work now"

    return apply


def as_new_work_refused(conn) -> bool:
    from appliance.licence import limits

    return bool(limits.creation_refusals(conn))


def _responses(conn, survey_id: int) -> int:
    return conn.execute(
        "SELECT count(*) FROM responses WHERE survey_id = ?", (survey_id,)
    ).fetchone()[0]


def test_a_respondent_finishes_by_open_link_and_by_mail_link(app, conn, data_dir, ended):
    row_id = open_survey(conn)
    token, _id = invite(conn, data_dir, row_id)
    conn.commit()
    link = conn.execute("SELECT link_token FROM surveys WHERE id = ?", (row_id,)).fetchone()[0]
    ended()
    client = app.test_client()
    done = answer_page(client, f"/s/{link}", {"nps": "9"})
    assert done.status_code in (200, 302), done.status_code
    assert _responses(conn, row_id) == 1
    answer_page(app.test_client(), f"/i/{token}", {"nps": "4"})
    assert _responses(conn, row_id) == 2
    assert conn.execute("SELECT used FROM invitations WHERE id = ?", (_id,)).fetchone()[0] == 1


def test_unsubscribing(app, conn, data_dir, ended):
    ended()
    token, digest = unsubscribe_token(data_dir, language="en")
    r = app.test_client().post(f"/u/{token}")
    assert r.status_code == 200 and "You are unsubscribed" in r.get_data(as_text=True)
    assert suppression.suppressed(conn, [digest])


def test_a_data_subject_is_looked_up_exported_and_erased(as_role, conn, data_dir, tmp_path, ended):
    world = subject_world.build(conn, data_dir, tmp_path)
    ended()
    staff = as_role("staff")
    page = subject_world.look_up(staff, subject_world.EMAIL).get_data(as_text=True)
    assert subject_world.FIRST in page
    token = subject_world.token_of(page)
    export = staff.post("/compliance/people/export", {"token": token, "format": "json"})
    assert export.status_code == 200
    assert json.loads(export.data)["looked_up"]["value"] == subject_world.EMAIL
    token = subject_world.token_of(subject_world.look_up(staff, subject_world.EMAIL).get_data(True))
    erased = staff.post("/compliance/people/erase", {"token": token})
    assert erased.status_code == 200 and "Person erased" in erased.get_data(True)
    left = conn.execute(
        "SELECT count(*) FROM contacts WHERE id IN (?, ?)", world.contact_ids
    ).fetchone()[0]
    assert left == 0


def test_the_retention_run_erases_what_is_due(conn, data_dir, tmp_path, ended):
    world = retention_world.build(conn, data_dir, tmp_path)
    ended()
    receipt = retention_service.apply(
        conn, world.settings, now=retention_world.at_noon(world.day(6))
    )
    assert receipt.counts["contacts"] == 3


def test_a_backup_and_its_restore(conn, data_dir, tmp_path, key_file, ended):  # noqa: F811
    survey_id = open_survey(conn)
    conn.commit()
    ended()
    made = backup(data_dir, key_file)
    fresh = tmp_path / "restored" / "data"
    r = run("restore", made, "--data-dir", fresh, "--key-file", key_file)
    assert r.exit_code == 0, r.output
    restored = db.connect(db.db_path(fresh))
    try:
        assert restored.execute("SELECT id FROM surveys").fetchall()[-1][0] == survey_id
    finally:
        restored.close()


def test_reports_of_existing_data(as_role, conn, data_dir, cast, ended):
    survey_id = open_survey(conn)
    for i in range(pub.K):
        submit_response(conn, data_dir, survey_id, {"nps": str(5 + i)}, f"r{i}")
    grant(conn, cast["researcher"], survey_id)
    conn.commit()
    ended()
    staff = as_role("staff")
    shown = staff.get(f"/reports/{survey_id}")
    assert shown.status_code == 200 and "NPS" in shown.get_data(as_text=True)
    csv = staff.get(f"/reports/{survey_id}/report.csv")
    assert csv.status_code == 200 and csv.data
    assert staff.get(f"/surveys/{survey_id}/responses.csv").status_code == 200
    researcher = as_role("researcher").get(f"/reports/{survey_id}")
    assert researcher.status_code == 200 and "NPS" in researcher.get_data(as_text=True)


def test_a_returned_paper_form_is_entered(as_role, conn, ended):
    survey_id = paper.survey(conn)
    staff = as_role("staff")
    # The forms went out while the module was licensed.
    assert staff.get(f"/surveys/{survey_id}/paper/form.pdf?lang=en").status_code == 200
    ended()
    assert f'/surveys/{survey_id}/paper/entry"' in staff.get(f"/surveys/{survey_id}").get_data(
        as_text=True
    )
    summary = paper.type_form(staff, survey_id, {"nps": "10"}, anonymous="1", language="en")
    assert summary.status_code == 200
    paper.confirm(staff, survey_id, summary)
    (stored,) = paper.responses(conn, survey_id)
    assert stored["mode"] == "paper" and json.loads(stored["answers"]) == {"nps": "10"}
    assert staff.get(f"/surveys/{survey_id}/paper/scans").status_code == 200
    # A survey whose forms never went out has no paper pages without the module.
    other = paper.survey(conn)
    assert staff.get(f"/surveys/{other}/paper/entry").status_code == 403


def test_published_results_stay_up_and_can_be_withdrawn(as_role, app, conn, data_dir, ended):
    survey_id = with_reviews(conn, data_dir)
    ended()
    assert app.test_client().get(f"/public/{pub.SLUG}").status_code == 200
    assert public(data_dir).review_count == 6
    staff = as_role("staff")
    page = staff.get(f"/surveys/{survey_id}/publication")
    assert page.status_code == 403 and 'id="withdraw"' in page.get_data(as_text=True)
    staff.post(f"/surveys/{survey_id}/publication/withdraw", {"confirm": "yes"})
    assert app.test_client().get(f"/public/{pub.SLUG}").status_code == 404
    assert conn.execute("SELECT action FROM audit_log ORDER BY id DESC").fetchone()[0] == (
        "publication.withdrawn"
    )


def test_an_interviewer_records_the_call_in_hand_and_an_objection(
    app, conn, data_dir, tmp_path, cast, ended, monkeypatch
):
    from appliance.interviews import calls_service
    from appliance.privacy import suppression as suppressions
    from tests.conftest import Browser
    from tests.interviews.calls_world import CallWorld, calling_hours

    calling_hours(monkeypatch)
    world = CallWorld(conn, data_dir, tmp_path, cast)
    campaign_id = world.campaign()
    ivo = Browser(app)
    ivo.sign_in(cast["interviewer"])
    assert ivo.post(f"/interviews/campaigns/{campaign_id}/next").status_code == 302
    call_id = calls_service.held_call(conn, cast["interviewer"].id)
    number = calls_service.in_hand(conn, world.keys, cast["interviewer"].id, call_id).phone
    ended()
    # No new call is handed out, but the one in hand is finished, objection and all.
    assert ivo.post(f"/interviews/campaigns/{campaign_id}/next").status_code == 403
    saved = ivo.post(
        "/interviews/call",
        {"call": call_id, "outcome": "refusal", "do_not_call": "y", "then": "home"},
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:500]
    hashed = suppressions.phone_hash(world.keys.hasher(), number)
    assert suppressions.suppressed(conn, [hashed]) == {hashed}
