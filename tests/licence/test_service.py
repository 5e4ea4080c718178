"""The licence's states on given days, its installation and its daily re-check."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta

import pytest

from appliance.licence import document, service
from appliance.licence.document import LicenceError
from tests.conftest import audit_actions
from tests.licensing import force, issue, new_key

KEY = new_key()
PUBLIC = KEY.public_key()
TODAY = date(2026, 12, 3)


def install(conn, body, today=TODAY):
    return service.install(conn, body, PUBLIC, today, actor_id=None, actor="test")


def started(conn, day: date) -> None:
    force(conn, None, trial_started=day)


def test_a_fresh_installation_is_a_thirty_day_trial_with_every_module(conn):
    started(conn, TODAY)
    status = service.status(conn, TODAY)
    assert status.state == "trial" and status.days_left == 30
    assert status.modules == frozenset(document.MODULES) and status.may_create
    assert status.limit("researcher") is None and status.banner
    last = service.status(conn, TODAY + timedelta(days=29))
    assert last.state == "trial" and last.days_left == 1
    over = service.status(conn, TODAY + timedelta(days=30))
    assert over.state == "trial_over" and not over.may_create and over.modules == frozenset()


def test_a_licence_gives_its_modules_and_limits_then_grace_then_expiry(conn):
    body = issue(
        KEY,
        valid_from=TODAY - timedelta(days=5),
        valid_until=TODAY + timedelta(days=9),
        modules=("paper",),
        researchers=2,
        interviewers=0,
    )
    install(conn, body)
    status = service.status(conn, TODAY)
    assert status.state == "licensed" and not status.banner and status.days_left == 10
    assert status.modules == {"paper"} and status.allows("paper")
    assert not status.allows("publication") and not status.allows("interviews")
    assert status.limit("researcher") == 2 and status.limit("interviewer") == 0
    assert status.limit("staff") is None
    grace = service.status(conn, TODAY + timedelta(days=10))
    assert grace.state == "grace" and grace.may_create and grace.days_left == 30 and grace.banner
    assert grace.allows("paper")
    expired = service.status(conn, TODAY + timedelta(days=40))
    assert expired.state == "expired" and not expired.may_create
    # Work in progress in a licensed module goes on after expiry.
    assert expired.allows("paper")


def test_account_room_counts_active_accounts_of_the_role(conn, cast):
    # The cast has one active researcher (rita; rex has ended) and one interviewer (ivo).
    install(conn, issue(KEY, researchers=1, interviewers=2), today=date.today())
    today = date.today()
    assert not service.account_room(conn, "researcher", today)
    assert service.account_room(conn, "interviewer", today)
    assert service.account_room(conn, "staff", today)
    usage = service.usage(conn, service.status(conn, today))
    assert usage == {"researcher": (1, 1), "interviewer": (1, 2)}


def test_installing_is_audited_and_a_forged_or_changed_licence_is_refused(conn):
    with pytest.raises(LicenceError) as refused:
        install(conn, issue(new_key()))
    assert refused.value.code == "bad_signature"
    outer = json.loads(issue(KEY))
    payload = json.loads(base64.b64decode(outer["payload"]))
    payload["researchers"] = 999
    outer["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    with pytest.raises(LicenceError) as changed:
        install(conn, json.dumps(outer).encode())
    assert changed.value.code == "bad_signature"
    for junk in (b"", b"not json", b"{}", b"\xff" * 10, b"x" * 20_000):
        with pytest.raises(LicenceError):
            install(conn, junk)
    assert service.status(conn, TODAY).licence is None
    assert "licence.installed" not in audit_actions(conn)
    install(conn, issue(KEY, licence_id="LIC-7"))
    assert audit_actions(conn)[-1] == "licence.installed"
    assert service.status(conn, TODAY).licence.licence_id == "LIC-7"


def test_an_ended_licence_and_one_that_would_cut_the_current_short_are_refused(conn):
    with pytest.raises(LicenceError) as ended:
        install(conn, issue(KEY, valid_until=TODAY - timedelta(days=1)))
    assert ended.value.code == "ended"
    install(conn, issue(KEY, licence_id="A", valid_until=TODAY + timedelta(days=20)))
    later = issue(KEY, licence_id="B", valid_from=TODAY + timedelta(days=21))
    with pytest.raises(LicenceError) as starts_later:
        install(conn, later)
    assert starts_later.value.code == "starts_later"
    # On the day it starts, it goes in.
    install(conn, later, today=TODAY + timedelta(days=21))


def test_a_licence_not_yet_started_leaves_the_trial_in_force(conn):
    started(conn, TODAY)
    install(conn, issue(KEY, valid_from=TODAY + timedelta(days=3)))
    assert service.status(conn, TODAY).state == "trial"
    assert service.status(conn, TODAY + timedelta(days=3)).state == "licensed"


def test_the_check_finds_a_licence_changed_in_the_database_and_audits_once(conn):
    install(conn, issue(KEY, modules=()))
    assert service.check(conn, PUBLIC, TODAY).state == "licensed"
    outer = json.loads(issue(KEY, modules=()))
    payload = json.loads(base64.b64decode(outer["payload"]))
    payload["modules"] = list(document.MODULES)
    outer["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    # Someone with the files writes a better licence straight into the database.
    force(conn, json.dumps(outer).encode(), trial_started=TODAY - timedelta(days=90))
    checked = service.check(conn, PUBLIC, TODAY)
    assert checked.problem == "bad_signature" and checked.state == "trial_over"
    assert service.status(conn, TODAY).modules == frozenset()
    # Installing recorded "licensed"; only the fall to "trial_over" is a change.
    assert audit_actions(conn).count("licence.state_changed") == 1
    service.check(conn, PUBLIC, TODAY)
    assert audit_actions(conn).count("licence.state_changed") == 1


def test_the_built_in_vendor_key_is_a_real_ed25519_key_and_refuses_test_licences():
    with pytest.raises(LicenceError) as refused:
        document.read(issue(KEY), document.vendor_key())
    assert refused.value.code == "bad_signature"


def test_a_renewal_installed_in_grace_that_starts_later_is_refused(conn):
    install(
        conn,
        issue(KEY, licence_id="A", valid_until=TODAY - timedelta(days=1)),
        TODAY - timedelta(days=3),
    )
    assert service.status(conn, TODAY).state == "grace"
    with pytest.raises(LicenceError) as refused:
        install(conn, issue(KEY, licence_id="B", valid_from=TODAY + timedelta(days=5)))
    assert refused.value.code == "starts_later"
    assert service.status(conn, TODAY).state == "grace"


def test_a_licence_not_yet_started_gives_nothing_after_the_trial(conn):
    started(conn, TODAY - timedelta(days=60))
    install(conn, issue(KEY, valid_from=TODAY + timedelta(days=5), researchers=9))
    status = service.status(conn, TODAY)
    assert status.state == "trial_over" and status.modules == frozenset()
    assert status.limit("researcher") == 0 and not status.may_create


def test_a_refused_licence_is_audited_with_its_reason(conn):
    with pytest.raises(LicenceError):
        install(conn, issue(new_key()))
    row = conn.execute("SELECT action, details FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert row[0] == "licence.refused" and '"reason": "bad_signature"' in row[1]
