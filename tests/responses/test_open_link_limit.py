"""The open link's flood limits: one per client (so nobody can lock real respondents out) and a
high one for the whole survey, both kept in memory only: the client's address is never stored
or logged."""

from __future__ import annotations

import logging

import pytest

from appliance import create_app, db
from appliance.responses import store as responses_store
from appliance.responses.limits import OpenLinkLimit
from tests.factories import answer_page, open_survey_row

DEFINITION = {
    "languages": ["nl"],
    "title": {"nl": "Snel"},
    "pages": [
        {
            "id": "p1",
            "questions": [
                {"id": "nps", "type": "nps", "required": True, "text": {"nl": "NPS"}},
                {"id": "remark", "type": "text_long", "text": {"nl": "Opmerking"}},
            ],
        }
    ],
}


@pytest.fixture
def settings_overrides(settings_overrides):
    return {
        **settings_overrides,
        "open_link_per_client_per_minute": 3,
        "open_link_per_survey_per_minute": 5,
    }


@pytest.fixture
def survey(conn):
    return open_survey_row(conn, DEFINITION)


def submit(app, survey, address: str, remark: str = "", **environ):
    """One respondent's whole (one-page) answer from ``address``; returns the POST's response."""
    base = {"REMOTE_ADDR": address, **environ}
    url = f"/s/{survey['link_token']}"
    return answer_page(app.test_client(), url, {"nps": "9", "remark": remark}, environ_base=base)


def stored(conn, survey) -> int:
    return len(responses_store.responses_of(conn, survey["id"]))


def test_one_client_past_its_limit_gets_429_while_another_still_answers(app, conn, survey):
    for _ in range(3):
        assert submit(app, survey, "192.0.2.10").status_code == 200
    refused = submit(app, survey, "192.0.2.10")
    assert refused.status_code == 429
    assert "Probeer het over een minuut opnieuw." in refused.get_data(as_text=True)
    assert stored(conn, survey) == 3
    assert submit(app, survey, "198.51.100.7").status_code == 200
    assert stored(conn, survey) == 4


def test_the_survey_wide_ceiling_still_holds(app, conn, survey):
    for i in range(5):
        assert submit(app, survey, f"192.0.2.{20 + i}").status_code == 200
    assert submit(app, survey, "192.0.2.99").status_code == 429
    assert stored(conn, survey) == 5


def test_behind_a_trusted_proxy_the_forwarded_client_counts(settings_overrides, conn, survey):
    app = create_app({**settings_overrides, "trusted_proxies": 1})
    proxy = "10.0.0.1"
    for _ in range(3):
        assert submit(app, survey, proxy, HTTP_X_FORWARDED_FOR="192.0.2.10").status_code == 200
    assert submit(app, survey, proxy, HTTP_X_FORWARDED_FOR="192.0.2.10").status_code == 429
    assert submit(app, survey, proxy, HTTP_X_FORWARDED_FOR="192.0.2.11").status_code == 200


def test_nothing_about_the_client_lands_in_the_database_or_the_log(
    app, conn, data_dir, survey, caplog
):
    caplog.set_level(logging.DEBUG)
    address = "203.0.113.77"
    for _ in range(4):  # the fourth is refused
        submit(app, survey, address, remark="kanarie-opmerking")
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    raw = b"".join(p.read_bytes() for p in files)
    # Positive control: the answers themselves are in the files the search reads.
    assert b"kanarie-opmerking" in raw and db.db_path(data_dir) in files
    for form in (address.encode(), address.encode("utf-16-le"), bytes([203, 0, 113, 77])):
        assert form not in raw
    assert address not in caplog.text


def test_the_limit_forgets_a_client_after_a_minute_and_holds_a_bounded_number():
    limit = OpenLinkLimit(per_client=2, per_survey=1000, max_clients=3)
    assert limit.allow(1, "192.0.2.1", now=0) and limit.allow(1, "192.0.2.1", now=1)
    assert not limit.allow(1, "192.0.2.1", now=2)
    assert limit.allow(1, "192.0.2.1", now=60.5)  # the hit at 0 has left the minute
    for i in range(10):
        assert limit.allow(1, f"198.51.100.{i}", now=61)
    assert len(limit) == 3  # the least recently seen went first
    assert limit.allow(1, "192.0.2.50", now=200) and len(limit) == 1  # the rest were forgotten


def test_an_ipv6_client_is_one_client_across_its_network():
    limit = OpenLinkLimit(per_client=2, per_survey=1000)
    assert limit.allow(1, "2001:db8:1:2::1", now=0) and limit.allow(1, "2001:db8:1:2::ffff", now=0)
    assert not limit.allow(1, "2001:db8:1:2:aaaa::9", now=0)
    assert limit.allow(1, "2001:db8:1:3::1", now=0)
    # The limit is per survey: the same client may answer another survey.
    assert limit.allow(2, "2001:db8:1:2::1", now=0)
