"""Deny by default, checked route by route: every endpoint x method x role has an expected outcome.

A new route that is not in EXPECTED fails this test, so nobody can add a page without deciding who
may open it. A route without ``@requires`` is refused by the guard (see the last test). Every
route the researcher is refused leaves exactly one entry for the Researcher activity page.
"""

from __future__ import annotations

import json

import pytest
from flask import Flask

from appliance.auth.guard import requires
from appliance.auth.service import CLI
from appliance.contacts import store as contacts_store
from appliance.db import transaction
from appliance.security import HEADERS
from appliance.surveys import service as survey_service
from tests.api.helpers import token_for
from tests.conftest import Browser

OK, LOGIN, DENY, GONE, UNAUTH = "ok", "login", "deny", "gone", "unauthorised"
REFUSED = (DENY, GONE, UNAUTH)
ROLES = ("anon", "admin", "staff", "researcher", "interviewer", "expired")
SIGNED_IN = ("admin", "staff", "researcher", "interviewer")


def only(*allowed: str, anon: str = LOGIN) -> dict[str, str]:
    """Signed-in roles in ``allowed`` pass, the others get 403; guests go to the login page."""
    table = {role: (OK if role in allowed else DENY) for role in SIGNED_IN}
    return {"anon": anon, "expired": LOGIN, **table}


PUBLIC_PAGE = dict.fromkeys(ROLES, OK)
ADMIN = only("admin")
STAFF = only("staff")


def api(*allowed: str) -> dict[str, str]:
    """API routes, called with a token of each role holding every scope the role can give a
    token: roles in ``allowed`` pass, the others get 403; no token (and the expired
    researcher's token) gets 401."""
    table = {role: (OK if role in allowed else DENY) for role in SIGNED_IN}
    return {"anon": UNAUTH, "expired": UNAUTH, **table}


API = api("staff")
STAFF_AND_RESEARCHER = only("staff", "researcher")
ANY_SIGNED_IN = only(*SIGNED_IN)

EXPECTED: dict[tuple[str, str], dict[str, str]] = {
    ("static", "GET"): PUBLIC_PAGE,
    ("compliance.show_retention", "GET"): only("admin", "staff"),
    ("compliance.run_retention", "POST"): only("admin", "staff"),
    # The privacy statement is for everybody; the record of processing for admin and staff.
    ("statement.show", "GET"): PUBLIC_PAGE,
    ("statement.record", "GET"): only("admin", "staff"),
    ("statement.record_pdf", "GET"): only("admin", "staff"),
    ("home.health", "GET"): PUBLIC_PAGE,
    ("home.index", "GET"): ANY_SIGNED_IN,
    ("auth.login", "GET"): PUBLIC_PAGE,
    ("auth.login", "POST"): PUBLIC_PAGE,
    # Without a half-finished login these send the browser back to the login page.
    ("auth.login_code", "GET"): dict.fromkeys(ROLES, LOGIN),
    ("auth.login_code", "POST"): dict.fromkeys(ROLES, LOGIN),
    ("auth.enrol", "GET"): dict.fromkeys(ROLES, LOGIN),
    ("auth.enrol", "POST"): dict.fromkeys(ROLES, LOGIN),
    ("auth.setup", "GET"): dict.fromkeys(ROLES, GONE),  # an admin exists: setup is closed
    ("auth.setup", "POST"): dict.fromkeys(ROLES, GONE),
    ("auth.logout", "POST"): {
        **ANY_SIGNED_IN,
        "admin": LOGIN,
        "staff": LOGIN,
        "researcher": LOGIN,
        "interviewer": LOGIN,
    },  # signing out lands on the login page
    ("account.show", "GET"): ANY_SIGNED_IN,
    ("account.change_password", "POST"): ANY_SIGNED_IN,
    ("account.change_language", "POST"): ANY_SIGNED_IN,
    # Replacing a password an admin gave; without one to replace it leads to the start page.
    ("account.first_password", "GET"): ANY_SIGNED_IN,
    ("account.first_password", "POST"): ANY_SIGNED_IN,
    ("account.enable_two_factor", "GET"): ANY_SIGNED_IN,
    ("account.enable_two_factor", "POST"): ANY_SIGNED_IN,
    ("account.disable_two_factor", "POST"): ANY_SIGNED_IN,
    ("account.new_recovery_codes", "POST"): ANY_SIGNED_IN,
    # Any account may make a token for what the API offers its role (interviewers: nothing,
    # so their post is refused); revoking touches only the account's own tokens.
    ("account.create_token", "POST"): {**ANY_SIGNED_IN, "interviewer": DENY},
    ("account.revoke_token", "POST"): ANY_SIGNED_IN,
    ("users.list_users", "GET"): ADMIN,
    ("users.create_user", "GET"): ADMIN,
    ("users.create_user", "POST"): ADMIN,
    ("users.edit_user", "GET"): ADMIN,
    ("users.edit_user", "POST"): ADMIN,
    ("users.reset_password", "POST"): ADMIN,
    ("users.disable_user", "POST"): ADMIN,
    ("users.enable_user", "POST"): ADMIN,
    ("users.reset_two_factor", "POST"): ADMIN,
    ("settings.edit_settings", "GET"): ADMIN,
    ("settings.edit_settings", "POST"): ADMIN,
    ("settings.send_test_mail", "POST"): ADMIN,
    ("settings.save_relay", "POST"): ADMIN,
    ("backups.show_backups", "GET"): ADMIN,
    ("licence.show", "GET"): ADMIN,
    ("licence.upload", "POST"): ADMIN,
    ("audit.show_log", "GET"): ADMIN,
    ("audit.export_log", "GET"): ADMIN,
    ("reports.index", "GET"): STAFF_AND_RESEARCHER,
    # Survey 1 is not granted to the researcher: it does not exist for her.
    ("reports.show_report", "GET"): {**STAFF_AND_RESEARCHER, "researcher": GONE},
    ("reports.report_data", "GET"): {**STAFF_AND_RESEARCHER, "researcher": GONE},
    ("reports.export_csv", "GET"): {**STAFF_AND_RESEARCHER, "researcher": GONE},
    ("reports.export_xlsx", "GET"): {**STAFF_AND_RESEARCHER, "researcher": GONE},
    ("reports.export_pdf", "GET"): {**STAFF_AND_RESEARCHER, "researcher": GONE},
    ("reports.report_settings", "GET"): STAFF,
    ("reports.set_segments", "POST"): STAFF,
    ("reports.export_benchmark", "POST"): STAFF,
    ("reports.import_benchmark", "POST"): STAFF,
    # Fieldwork oversight (interviews.oversee): response rates, the e estimate, and the
    # figures per interviewer are staff's alone.
    ("interviews.rates_page", "GET"): STAFF,
    ("interviews.choose_e", "POST"): STAFF,
    ("interviews.interviewers", "GET"): STAFF,
    ("researchers.researcher_activity", "GET"): only("admin", "staff"),
    # The identity plane: staff only; the researcher and even the admin never see contacts.
    ("contacts.index", "GET"): STAFF,
    ("contacts.upload", "GET"): STAFF,
    ("contacts.upload", "POST"): STAFF,
    ("contacts.map_columns", "POST"): STAFF,
    ("contacts.show_import", "GET"): STAFF,
    ("contacts.cancel_import", "POST"): STAFF,
    ("contacts.undo_import", "POST"): STAFF,
    ("contacts.download_rejects", "GET"): STAFF,
    ("contacts.suppressions", "GET"): STAFF,
    ("contacts.suppressions", "POST"): STAFF,
    ("surveys.list_surveys", "GET"): STAFF,
    ("surveys.create_survey", "GET"): STAFF,
    ("surveys.create_survey", "POST"): STAFF,
    ("surveys.edit_survey", "GET"): STAFF,
    ("surveys.edit_survey", "POST"): STAFF,
    ("surveys.change_dates", "POST"): STAFF,
    ("surveys.change_status", "POST"): STAFF,
    ("surveys.preview_survey", "GET"): STAFF,
    ("surveys.add_kiosk", "POST"): STAFF,
    ("surveys.revoke_kiosk", "POST"): STAFF,
    # The open link's QR code (it lets anyone answer): staff only, like the link itself.
    ("surveys.download_svg", "GET"): STAFF,
    ("surveys.download_png", "GET"): STAFF,
    ("surveys.show_poster", "GET"): STAFF,
    ("paper.form_pdf", "GET"): STAFF,  # blank paper questionnaires to print (surveys.manage)
    ("surveys.save_general", "POST"): STAFF,
    ("surveys.add_question", "POST"): STAFF,
    ("surveys.edit_question", "GET"): STAFF,
    ("surveys.edit_question", "POST"): STAFF,
    ("surveys.move_question", "POST"): STAFF,
    ("surveys.delete_question", "POST"): STAFF,
    ("surveys.set_page_condition", "POST"): STAFF,
    ("mailing.list_campaigns", "GET"): STAFF,
    ("mailing.create_campaign", "GET"): STAFF,
    ("mailing.create_campaign", "POST"): STAFF,
    ("mailing.show_campaign", "GET"): {**STAFF, "staff": GONE},  # no campaign 1
    ("mailing.campaign_progress", "GET"): {**STAFF, "staff": GONE},
    ("mailing.change_campaign", "POST"): {**STAFF, "staff": GONE},
    ("mailing.remind_now", "POST"): {**STAFF, "staff": GONE},
    ("mailing.download_letters", "POST"): {**STAFF, "staff": GONE},
    ("mailing.list_templates", "GET"): STAFF,
    ("mailing.edit_template", "GET"): STAFF,  # template 1 is a standard template
    ("mailing.edit_template", "POST"): STAFF,
    ("mailing.send_test", "POST"): STAFF,
    # The list has no contact with an address: nothing to preview.
    ("mailing.preview_html", "GET"): {**STAFF, "staff": GONE},
    # Publication of results and moderation of reviews: staff only. Survey 1 has nothing saved
    # and no review 1, so the posts are refused with a message (shown as ok here).
    ("publication.edit_publication", "GET"): STAFF,
    ("publication.edit_publication", "POST"): STAFF,
    ("publication.publish", "POST"): STAFF,
    ("publication.withdraw", "POST"): STAFF,
    ("publication.moderate", "GET"): STAFF,
    ("publication.moderation_log", "GET"): STAFF,
    ("publication.withhold_review", "POST"): STAFF,
    ("publication.restore_review", "POST"): STAFF,
    ("publication.redact_review", "POST"): STAFF,
    ("publication.unredact_review", "POST"): STAFF,
    ("publication.reply_review", "POST"): STAFF,
    # Survey 1 is not published: staff are sent back to its publication page (ok here).
    ("publication_export.export_zip", "POST"): STAFF,
    # The published results are public for everyone, under /public/ only; the walk uses a
    # made-up address (and asset name), which finds nothing.
    ("public.page", "GET"): dict.fromkeys(ROLES, GONE),
    ("public.feed", "GET"): dict.fromkeys(ROLES, GONE),
    ("public.widget", "GET"): dict.fromkeys(ROLES, GONE),
    ("public.widget_reviews", "GET"): dict.fromkeys(ROLES, GONE),
    ("public.asset", "GET"): dict.fromkeys(ROLES, GONE),
    ("responses.list_responses", "GET"): STAFF,
    ("responses.show_response", "GET"): {**STAFF, "staff": GONE},  # made-up response id
    ("responses.exclude_response", "POST"): {**STAFF, "staff": GONE},
    ("responses.mark_contact_handled", "POST"): {**STAFF, "staff": GONE},
    ("responses.export_csv", "GET"): STAFF,
    ("responses.export_xlsx", "GET"): STAFF,
    # Entering returned paper forms: staff only. Survey 1 is not open, so a form is refused
    # with a message; posts without a signed entry state get 400 (both shown as ok here);
    # there is no held entry 1.
    ("paper_entry.start", "GET"): STAFF,
    ("paper_entry.start", "POST"): STAFF,
    ("paper_entry.answers", "POST"): STAFF,
    ("paper_entry.confirm", "POST"): STAFF,
    ("paper_entry.decide", "POST"): STAFF,
    ("paper_entry.settings", "POST"): STAFF,
    ("paper_entry.discard", "POST"): {**STAFF, "staff": GONE},
    # Scans of returned paper forms: staff only. Survey 1 is not open, so an upload is refused
    # with a message; there is no waiting form 1.
    ("paper_scans.scans", "GET"): STAFF,
    ("paper_scans.scans", "POST"): STAFF,
    ("paper_scans.verify", "GET"): {**STAFF, "staff": GONE},
    ("paper_scans.verify", "POST"): {**STAFF, "staff": GONE},
    ("paper_scans.discard", "POST"): {**STAFF, "staff": GONE},
    ("paper_scans.part", "GET"): {**STAFF, "staff": GONE},
    # Respondent pages are public; the walk uses a made-up token, which finds nothing.
    ("respond.open_link", "GET"): dict.fromkeys(ROLES, GONE),
    ("respond.open_link", "POST"): dict.fromkeys(ROLES, GONE),
    ("unsubscribe.unsubscribe_page", "GET"): dict.fromkeys(ROLES, GONE),
    ("unsubscribe.unsubscribe_page", "POST"): dict.fromkeys(ROLES, GONE),
    # The short code of a letter: the forms are public; a wrong code gets a neutral 400.
    ("codes.answer", "GET"): PUBLIC_PAGE,
    ("codes.answer", "POST"): PUBLIC_PAGE,
    ("codes.opt_out", "GET"): PUBLIC_PAGE,
    ("codes.opt_out", "POST"): PUBLIC_PAGE,
    ("respond.invitation_link", "GET"): dict.fromkeys(ROLES, GONE),
    ("respond.invitation_link", "POST"): dict.fromkeys(ROLES, GONE),
    ("respond.transparency", "GET"): dict.fromkeys(ROLES, GONE),
    ("respond.kiosk", "GET"): dict.fromkeys(ROLES, GONE),
    ("respond.kiosk", "POST"): dict.fromkeys(ROLES, GONE),
    # The API takes bearer tokens only (a browser session gets 401, see below); the walk calls
    # it with each role's token. Scopes narrowing a token are tested in tests/api/.
    ("api.openapi", "GET"): PUBLIC_PAGE,
    ("api.list_lists", "GET"): API,
    ("api.create_import", "POST"): API,
    ("api.show_import", "GET"): API,
    ("api.add_suppressions", "POST"): API,
    # POSTs and PUTs that take a body answer 400 to the walk's empty one (counted as ok); there
    # is no campaign 1 and no response "1".
    ("api.list_surveys", "GET"): API,
    ("api.create_survey", "POST"): API,
    ("api.list_survey_templates", "GET"): API,
    ("api.show_survey", "GET"): API,
    ("api.show_questionnaire", "GET"): API,
    ("api.replace_questionnaire", "PUT"): API,
    ("api.change_survey_status", "POST"): API,
    ("api.show_open_link", "GET"): API,
    ("api.list_campaigns", "GET"): API,
    ("api.create_campaign", "POST"): API,
    ("api.show_campaign", "GET"): {**API, "staff": GONE},
    ("api.schedule_campaign", "POST"): API,
    ("api.start_campaign", "POST"): {**API, "staff": GONE},
    ("api.pause_campaign", "POST"): {**API, "staff": GONE},
    ("api.resume_campaign", "POST"): {**API, "staff": GONE},
    ("api.cancel_campaign", "POST"): {**API, "staff": GONE},
    ("api.list_mail_templates", "GET"): API,
    ("api.list_responses", "GET"): API,
    ("api.show_response", "GET"): {**API, "staff": GONE},
    ("api.set_exclusion", "PUT"): API,
    ("api.look_up_subject", "POST"): API,
    ("api.export_subject", "POST"): API,
    ("api.erase_subject", "POST"): API,
    ("api.list_audit", "GET"): api("admin"),
    # The reports as JSON, through the aggregate gate; survey 1 is not granted to the
    # researcher, so for her it does not exist.
    ("reports_api.list_surveys", "GET"): api("staff", "researcher"),
    ("reports_api.show_report", "GET"): {**api("staff", "researcher"), "researcher": GONE},
    # Data-subject requests: staff only. Posts without a look-up token or form data are refused
    # with 400 (shown as ok here); there is no register entry 1.
    ("compliance.lookup", "GET"): STAFF,
    ("compliance.lookup", "POST"): STAFF,
    ("compliance.export", "POST"): STAFF,
    ("compliance.edit_contact", "POST"): STAFF,
    ("compliance.rectify", "POST"): STAFF,
    ("compliance.confirm_erasure", "POST"): STAFF,
    ("compliance.erase", "POST"): STAFF,
    ("compliance.register_page", "GET"): STAFF,
    ("compliance.register_page", "POST"): STAFF,
    ("compliance.close_request", "POST"): {**STAFF, "staff": GONE},
    # The interview screen (interviews.conduct): the interviewer holds no call, so it sends them
    # to their start page; survey 1 is not assigned to them, so its face-to-face pages do not
    # exist for them. Staff set up the scripts and locations of survey 1; it has no location 1.
    ("interviews.interview", "GET"): only("interviewer"),
    ("interviews.interview", "POST"): only("interviewer"),
    ("interviews.onsite_start", "GET"): {**only("interviewer"), "interviewer": GONE},
    ("interviews.onsite_token", "GET"): {**only("interviewer"), "interviewer": GONE},
    ("interviews.onsite_submit", "POST"): {**only("interviewer"), "interviewer": GONE},
    # Telephone calling (interviews.conduct): the interviewer's start page; there is no
    # campaign 1 assigned to them (not found), and the call screen, holding no call, sends them
    # to their start page.
    ("interviews.home", "GET"): only("interviewer"),
    ("interviews.next_call", "POST"): {**only("interviewer"), "interviewer": GONE},
    ("interviews.call", "GET"): only("interviewer"),
    ("interviews.call", "POST"): only("interviewer"),
    ("interviews.setup", "GET"): STAFF,
    ("interviews.setup", "POST"): STAFF,
    ("interviews.add_location", "POST"): STAFF,
    ("interviews.change_location", "POST"): {**STAFF, "staff": GONE},
    # The return mailbox on the settings page.
    ("settings.save_return_mailbox", "POST"): ADMIN,
    ("settings.check_return_mailbox", "POST"): ADMIN,
}


def outcome(response) -> str:
    if response.status_code == 403:
        return DENY
    if response.status_code == 401:
        return UNAUTH
    if response.status_code == 404:
        return GONE
    if response.status_code == 302 and response.headers["Location"].startswith("/login"):
        return LOGIN
    assert response.status_code < 500, response.data[:500]
    return OK


def routes(app: Flask):
    for rule in app.url_map.iter_rules():
        args = {name: 1 for name in rule.arguments}
        if rule.endpoint == "static":
            args = {"filename": "app.css"}
        if "action" in args:
            args["action"] = "pause"
        if "qid" in args:
            args["qid"] = "nps"  # the question of survey 1 (the NPS template)
        if rule.endpoint.startswith("users.") and "user_id" in args:
            args["user_id"] = None  # filled in per test with a real account
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, args


def refusals_since(conn, member, after_id: int) -> list[tuple[int, dict]]:
    """(id, details) of the refusals recorded for ``member`` after audit entry ``after_id``."""
    rows = conn.execute(
        "SELECT id, details FROM audit_log WHERE actor_id = ? AND action = 'request.refused'"
        " AND id > ? ORDER BY id",
        (member.id, after_id),
    )
    return [(r[0], json.loads(r[1])) for r in rows]


def browser_for(app, cast, role) -> Browser:
    b = Browser(app)
    if role != "anon":
        b.sign_in(cast[role])
    return b


def test_every_route_has_an_expected_outcome_for_every_role(app, cast, conn):
    with transaction(conn):  # an import batch, so its pages exist (id 1)
        list_id = contacts_store.create_list(conn, "Klanten", None)
        contacts_store.finish_import(
            conn, contacts_store.start_import(conn, list_id, "consent", "", None, [])
        )
        # Mailed already, so the walk's POST to undo is refused and the batch stays readable.
        conn.execute("UPDATE contact_imports SET used_in_mailing = 1")
    survey_service.create_from_template(conn, CLI, "nps")  # survey 1
    # Token 1 is one the walk's POST to revoke it may take (its owner's own); the walk's
    # tokens come after it.
    token_for(conn, cast["admin"], name="revoked by the walk")
    bearer = {role: token_for(conn, cast[role]) for role in ROLES if role != "anon"}
    seen = set()
    failures = []
    last_refusal = 0
    for rule, method, args in routes(app):
        key = (rule.endpoint, method)
        seen.add(key)
        assert key in EXPECTED, f"{key} has no row in EXPECTED: decide who may use it"
        if "user_id" in args:
            args = {**args, "user_id": cast["staff2"].id}
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **args)
        for role in ROLES:
            if url.startswith("/api/v1/"):
                token = {"Authorization": f"Bearer {bearer[role]}"} if role in bearer else {}
                response = app.test_client().open(url, method=method, headers=token)
            else:
                b = browser_for(app, cast, role)
                response = b.get(url) if method == "GET" else b.post(url)
            got = outcome(response)
            if got != EXPECTED[key][role]:
                failures.append(
                    f"{method} {url} as {role}: expected {EXPECTED[key][role]}, "
                    f"got {got} ({response.status_code})"
                )
            for header in HEADERS:
                assert header in response.headers, f"{header} missing on {method} {url}"
            if role == "researcher":
                logged = refusals_since(conn, cast[role], last_refusal)
                if logged:
                    last_refusal = logged[-1][0]
                wanted = [response.status_code] if got in REFUSED else []
                if [details["status"] for _id, details in logged] != wanted:
                    failures.append(
                        f"{method} {url} as researcher ({response.status_code}): "
                        f"activity entries {[d for _id, d in logged]}, expected {wanted}"
                    )
            response.close()
    assert not failures, "\n".join(failures)
    assert set(EXPECTED) == seen, f"stale rows in EXPECTED: {set(EXPECTED) - seen}"


def test_the_api_takes_no_session_cookie(app, cast):
    """A page of another site can make a signed-in browser send its cookie, never a token."""
    for role in ("admin", "staff", "researcher"):
        b = browser_for(app, cast, role)
        for rule, method, args in routes(app):
            if rule.rule.startswith("/api/v1/"):
                with app.test_request_context():
                    from flask import url_for

                    url = url_for(rule.endpoint, **args)
                response = b.client.open(url, method=method)
                assert response.status_code == 401, (role, method, url)


def test_a_route_that_declares_nothing_is_refused(app, cast):
    @app.route("/forgotten")
    def forgotten():
        return "secret"

    @app.route("/declared")
    @requires("users.manage")
    def declared():
        return "fine"

    for role in ("admin", "staff"):
        assert browser_for(app, cast, role).get("/forgotten").status_code == 403
    assert browser_for(app, cast, "admin").get("/declared").status_code == 200
    assert browser_for(app, cast, "staff").get("/declared").status_code == 403


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown action"):
        requires("everything.please")
