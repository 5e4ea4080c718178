"""Interviewer figures: counted apart from the responses, shown over whole days before today
and only over at least k interviews."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from appliance.db import transaction
from appliance.interviews import figures
from appliance.surveys import service as surveys_service
from tests.factories import open_survey

K = 3
TODAY = date(2026, 12, 3)
YESTERDAY = TODAY - timedelta(days=1)


def at(day: date, hour: int, minute: int = 0) -> float:
    """An epoch on ``day`` at local time ``hour:minute`` (the appliance's local date)."""
    return datetime(day.year, day.month, day.day, hour, minute).timestamp()


@pytest.fixture
def survey(conn):
    survey_id = open_survey(conn)  # the NPS template: one NPS question, "nps"
    return survey_id, surveys_service.definition_of(surveys_service.get_survey(conn, survey_id))


def work(conn, definition, survey_id, user_id, day, scores, seconds=600, span=(9, 10)):
    """A day's work: attempts at the span's ends, an interview per score (None: skipped)."""
    with transaction(conn):
        for hour in span:
            figures.count_attempt(conn, survey_id, user_id, at(day, hour))
        for score in scores:
            answers = {} if score is None else {"nps": str(score)}
            figures.count_interview(
                conn, definition, survey_id, user_id, day.isoformat(), seconds, answers
            )


def test_figures_over_whole_days_and_k(conn, cast, survey):
    survey_id, definition = survey
    ivo, sam = cast["interviewer"].id, cast["staff2"].id
    work(conn, definition, survey_id, ivo, YESTERDAY, [9, 7, 8, None])
    work(conn, definition, survey_id, sam, YESTERDAY, [10, 10])  # two: below k
    work(conn, definition, survey_id, ivo, TODAY, [0, 0, 0])  # today: not yet counted
    people = {p.user_id: p for p in figures.figures(conn, definition, survey_id, TODAY, K)}
    ivo_figures = people[ivo]
    # Worked: 9:00 to 10:00 plus one mean interview (600 s) = 4,200 s; 4 interviews.
    assert ivo_figures.interviews == 4
    assert ivo_figures.per_hour == pytest.approx(4 / (4200 / 3600))
    assert ivo_figures.mean_seconds == 600
    assert ivo_figures.means["nps"] == pytest.approx(8.0)  # (9 + 7 + 8) / 3, today left out
    hidden = people[sam]
    assert (hidden.interviews, hidden.per_hour, hidden.mean_seconds, hidden.means["nps"]) == (
        None,
        None,
        None,
        None,
    )
    # The next day, today's three interviews count, and move the mean: only then.
    later = {
        p.user_id: p for p in figures.figures(conn, definition, survey_id, TODAY + timedelta(1), K)
    }
    assert later[ivo].means["nps"] == pytest.approx(24 / 6)


def test_a_mean_score_needs_k_scores(conn, cast, survey):
    survey_id, definition = survey
    ivo = cast["interviewer"].id
    work(conn, definition, survey_id, ivo, YESTERDAY, [9, 8, None, None])
    (person,) = figures.figures(conn, definition, survey_id, TODAY, K)
    assert person.interviews == 4 and person.means["nps"] is None


def test_the_counters_hold_no_response_id_and_no_time_of_an_interview(conn, cast, survey):
    survey_id, definition = survey
    ivo = cast["interviewer"].id
    with transaction(conn):
        figures.count_interview(
            conn, definition, survey_id, ivo, YESTERDAY.isoformat(), None, {"nps": "9"}
        )
    row = conn.execute("SELECT * FROM interviewer_days").fetchone()
    assert (row["first_at"], row["last_at"], row["timed"]) == (None, None, 0)
    columns = {
        c[1]
        for t in ("interviewer_days", "interviewer_scores")
        for c in conn.execute(f"PRAGMA table_info({t})")
    }
    assert not columns & {"response_id", "call_id", "contact_id", "invitation_id"}


def test_the_staff_page_hides_small_figures(as_role, conn, cast, survey):
    survey_id, definition = survey
    yesterday = date.today() - timedelta(days=1)
    work(conn, definition, survey_id, cast["interviewer"].id, yesterday, [9, 7, 8, 6, 5])
    work(conn, definition, survey_id, cast["staff2"].id, yesterday, [10])
    work(conn, definition, survey_id, cast["staff2"].id, date.today(), [1, 1, 1, 1, 1])
    page = as_role("staff").get(f"/interviews/interviewers/{survey_id}").get_data(as_text=True)
    assert "Ivo" in page and "7.0" in page  # (9+7+8+6+5) / 5
    sara = page[page.index("Sara") :].split("</tr>")[0]
    assert "10.0" not in sara and "1.0" not in sara and "&lt; 5" in sara
    assert as_role("researcher").get(f"/interviews/interviewers/{survey_id}").status_code == 403
