"""Attacks on interviewing by someone holding a copy of the data directory: link a stored
interview to the interviewer who took it, or learn its scores, beyond what the day's sums
allow."""

from __future__ import annotations

import secrets
from datetime import date

import pytest

from appliance.auth.service import CLI
from appliance.db import transaction
from appliance.interviews import (
    calls_service,
    figures,
    interview_views,
    onsite_service,
    setup_service,
)
from appliance.surveys import service as surveys_service
from tests.factories import grant, open_survey
from tests.interviews.calls_world import TZ, CallWorld, callable_contacts, local

DEFINITION = {
    "languages": ["nl"],
    "title": {"nl": "Winkelonderzoek"},
    "pages": [
        {
            "id": "p1",
            "questions": [
                {
                    "id": "clean",
                    "type": "single",
                    "required": True,
                    "text": {"nl": "Schoon?"},
                    "choices": [
                        {"value": "yes", "label": {"nl": "Ja"}},
                        {"value": "no", "label": {"nl": "Nee"}},
                    ],
                }
            ],
        }
    ],
}


@pytest.fixture
def survey(conn, cast):
    survey_id = open_survey(conn, DEFINITION)
    for member in (cast["interviewer"], cast["staff2"]):
        grant(conn, member, survey_id)
    location = setup_service.add_location(conn, CLI, survey_id, "Winkel Deventer")
    return survey_id, location


def _send(app, conn, user_id, survey_id, location, seconds):
    row = surveys_service.get_survey(conn, survey_id)
    body = {
        "key": secrets.token_hex(16),
        "location": location,
        "language": "nl",
        "seconds": seconds,
        "answers": {"clean": ["yes"]},
    }
    with app.test_request_context():
        onsite_service.submit(conn, interview_views.writing(), user_id, row, body, date.today())


def test_an_interview_length_does_not_name_the_interviewer(app, conn, cast, survey):
    """Two interviewers take one interview each on the same day, with the same answers. The
    interviewer figures keep each one's interview seconds of the day; were the response's own
    length kept as well, the copy would pair every response with its interviewer exactly."""
    survey_id, location = survey
    ivo, sam = cast["interviewer"].id, cast["staff2"].id
    _send(app, conn, ivo, survey_id, location, 611)
    _send(app, conn, sam, survey_id, location, 1234)
    lengths = {
        r["user_id"]: r["interview_seconds"]
        for r in conn.execute(
            "SELECT user_id, interview_seconds FROM interviewer_days WHERE survey_id = ?",
            (survey_id,),
        )
    }
    assert lengths == {ivo: 611, sam: 1234}  # the figures need them
    stored = conn.execute(
        "SELECT id, duration_s, answers, segments, language, submitted_on, flags"
        " FROM responses WHERE survey_id = ?",
        (survey_id,),
    ).fetchall()
    assert len(stored) == 2
    # Apart from their random ids, the two responses are the same: nothing tells whose is whose.
    assert len({tuple(r)[1:] for r in stored}) == 1
    linked = [
        (r["id"], user)
        for r in stored
        for user, seconds in lengths.items()
        if r["duration_s"] is not None and abs(r["duration_s"] - seconds) <= 2
    ]
    assert linked == []


def test_the_figures_do_not_pin_the_scores_of_two_interviews_of_a_day(conn, cast):
    """An interviewer's day with two interviews: the figures keep the sum of each score
    question, which the page needs for its means. Were the sum of squares kept beside it, the
    two scores would follow (a + b and a² + b² have one solution): 3 and 9 would be told
    from 6 and 6."""
    survey_id = open_survey(conn)  # the NPS template: one NPS question, "nps"
    definition = surveys_service.definition_of(surveys_service.get_survey(conn, survey_id))
    ivo = cast["interviewer"].id
    with transaction(conn):
        for day, scores in (("2026-12-01", (3, 9)), ("2026-12-02", (6, 6))):
            for score in scores:
                figures.count_interview(
                    conn, definition, survey_id, ivo, day, 600, {"nps": str(score)}
                )
    kept = conn.execute(
        "SELECT * FROM interviewer_scores WHERE survey_id = ? ORDER BY day", (survey_id,)
    ).fetchall()
    assert len(kept) == 2
    first, second = (dict(row) for row in kept)
    assert first.pop("day") != second.pop("day")
    assert first == second


def test_the_order_calls_are_handed_out_in_follows_nothing_stored(conn, data_dir, tmp_path, cast):
    """Two hundred contacts are due at 9:00 and the interviewer works through them; one is a
    complete, which keeps no time. Were calls handed out in the order of their ids or of their
    due times, the attempts of the calls beside the complete in that order would bound its
    moment (and so its day, and its response among that day's). Drawn at random, the hand-out
    order is unrelated to either: its rank correlation with each stays far from 1 (for two
    hundred calls, a random order's lies within 0.2 of 0 almost always; 0.4 is far beyond)."""
    count = 200
    world = CallWorld(conn, data_dir, tmp_path, cast, contacts=callable_contacts(count))
    ivo = cast["interviewer"].id
    campaign = world.campaign()
    due = {r["id"]: r["next_at"] for r in world.calls(campaign)}
    assert len(due) == count
    handed = []
    for i in range(count):
        at = local(10) + 15 * i  # all in the morning; the retries fall due at 12:00 or later
        call = calls_service.next_call(conn, world.keys, ivo, campaign, at, tz=TZ)
        handed.append(call)
        if i == count // 2:
            with transaction(conn):
                calls_service.completed(call, ivo)(conn)
        else:
            calls_service.record(conn, world.keys, ivo, call, "no_answer", now=at + 10, tz=TZ)
    assert sorted(handed) == sorted(due)
    assert abs(_tau(handed, sorted(due))) < 0.4
    assert abs(_tau(handed, sorted(due, key=due.get))) < 0.4


def _tau(order: list[int], other: list[int]) -> float:
    """Kendall's rank correlation of two orders of the same items (1: the same order)."""
    rank = {item: i for i, item in enumerate(other)}
    ranks = [rank[item] for item in order]
    n = len(ranks)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    concordant = sum(ranks[i] < ranks[j] for i, j in pairs)
    return (2 * concordant - len(pairs)) / len(pairs)
