"""What the public, and the researcher who also reads the public page, could try.

Each test is an attack: reading past the public gate, solving the responses outside the
published scope from the researcher's figures, solving the responses not shown as reviews from
the averages beside the reviews, solving a hidden month from the total, and watching the page
change one response at a time."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from appliance import db
from appliance.auth.service import CLI
from appliance.keys import load as load_keys
from appliance.publication import moderation_service as moderation
from appliance.publication import service
from appliance.publication.gate import PublicGate
from tests.publication import published as pub


def _gate(data_dir) -> PublicGate:
    return PublicGate(db.db_path(data_dir), pub.K, load_keys(data_dir).cipher())


def _page(data_dir, **kw):
    with _gate(data_dir) as gate:
        return gate.page(pub.SLUG, **kw)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT body FROM withheld_reviews",
        "SELECT response_id FROM published_reviews",
        "SELECT answers FROM responses",
        "SELECT value FROM name_answers",
        "SELECT n FROM report_counts",
        "SELECT n FROM report_release_counts",
        "SELECT action FROM publication_moderation",
        "SELECT link_token FROM surveys",
    ],
)
def test_the_public_gate_reads_nothing_but_the_published_snapshot(conn, data_dir, query):
    survey_id = pub.survey(conn)
    pub.answer(conn, data_dir, survey_id, 1)
    with _gate(data_dir) as gate, pytest.raises(sqlite3.DatabaseError):
        gate._conn.execute(query).fetchall()


def _averages_only(conn, data_dir, survey_id, **changes):
    pub.publish(conn, data_dir, survey_id, show_reviews=False, **changes)
    pub.release(conn, data_dir)


@pytest.mark.parametrize(("outside", "shown"), [(0, True), (2, False), (5, True)])
def test_few_responses_outside_the_scope_hide_the_figures(conn, data_dir, outside, shown):
    """The researcher's report holds every mode: with 2 open-link answers outside an
    invitations-only publication, the report's total minus the public one would be those two."""
    survey_id = pub.survey(conn)
    for i in range(10):
        pub.answer(conn, data_dir, survey_id, i, mode="invitation")
    for i in range(10, 10 + outside):
        pub.answer(conn, data_dir, survey_id, i, mode="link", grade=2)
    _averages_only(conn, data_dir, survey_id, modes=["invitation"])
    page = _page(data_dir)
    assert (page.n is not None) is shown
    assert (page.score is not None) is shown
    if not shown:
        assert page.hidden == "remainder" and page.months == [] and page.ratings == []


@pytest.mark.parametrize(("silent", "shown"), [(0, True), (1, False), (4, False), (5, True)])
def test_the_averages_never_give_away_the_few_not_shown_as_reviews(conn, data_dir, silent, shown):
    """Nine reviews with their grades and the mean of ten: the tenth grade is 10 x mean minus
    the nine."""
    survey_id = pub.survey(conn)
    for i in range(9):
        pub.answer(conn, data_dir, survey_id, i, grade=8)
    for i in range(9, 9 + silent):
        pub.answer(conn, data_dir, survey_id, i, grade=3, consent=False)
    pub.publish(conn, data_dir, survey_id)
    pub.release(conn, data_dir)
    page = _page(data_dir)
    assert page.review_count == 9
    assert (page.score is not None) is shown


def test_a_withheld_review_counts_as_not_shown(conn, data_dir):
    survey_id = pub.survey(conn)
    for i in range(10):
        pub.answer(conn, data_dir, survey_id, i)
    pub.publish(conn, data_dir, survey_id)
    pub.release(conn, data_dir)
    assert _page(data_dir).score is not None
    review = _page(data_dir).reviews[0]
    moderation.withhold(conn, CLI, survey_id, review.id, "spam", load_keys(data_dir).cipher())
    page = _page(data_dir, per_page=50)
    assert review.id not in {r.id for r in page.reviews}
    assert page.withheld == {"spam": 1}
    assert page.score is None and page.hidden == "remainder"


def test_a_month_hidden_alone_is_not_solved_from_the_total(conn, data_dir):
    survey_id = pub.survey(conn)
    for i in range(10):
        pub.answer(conn, data_dir, survey_id, i, day=date(2026, 10, 6))
    for i in range(10, 12):
        pub.answer(conn, data_dir, survey_id, i, day=date(2026, 11, 10), grade=1)
    _averages_only(conn, data_dir, survey_id)
    page = _page(data_dir)
    assert page.n == 12
    assert [(m.month, m.n, m.mean) for m in page.months] == [
        ("2026-10", None, None),
        ("2026-11", None, None),
    ]


def test_three_months_one_small_hides_the_next_smallest_too(conn, data_dir):
    survey_id = pub.survey(conn)
    days = [date(2026, 9, 8)] * 9 + [date(2026, 10, 6)] * 6 + [date(2026, 11, 10)] * 2
    for i, day in enumerate(days):
        pub.answer(conn, data_dir, survey_id, i, day=day)
    _averages_only(conn, data_dir, survey_id)
    shown = {m.month: m.n for m in _page(data_dir).months}
    assert shown == {"2026-09": 9, "2026-10": None, "2026-11": None}


def test_the_public_figures_move_only_with_a_release_never_by_one_response(conn, data_dir):
    survey_id = pub.survey(conn)
    for i in range(10):
        pub.answer(conn, data_dir, survey_id, i)
    pub.publish(conn, data_dir, survey_id)
    pub.release(conn, data_dir)
    assert _page(data_dir).n == 10
    for i in range(10, 12):
        pub.answer(conn, data_dir, survey_id, i)
    assert pub.release(conn, data_dir) == []
    page = _page(data_dir)
    assert (page.n, page.review_count) == (10, 10)
    for i in range(12, 15):
        pub.answer(conn, data_dir, survey_id, i)
    assert pub.release(conn, data_dir) == [survey_id]
    page = _page(data_dir)
    assert (page.n, page.review_count) == (15, 15)


def test_staff_changing_the_choices_between_releases_shows_the_release(conn, data_dir):
    """A snapshot cut from the live responses would differ from the researcher's release by
    the responses since: it is cut from the released ones."""
    survey_id = pub.survey(conn)
    for i in range(10):
        pub.answer(conn, data_dir, survey_id, i)
    pub.publish(conn, data_dir, survey_id)
    pub.release(conn, data_dir)
    pub.answer(conn, data_dir, survey_id, 10)
    service.save(
        conn,
        CLI,
        survey_id,
        pub.SLUG,
        pub.choices(rating_questions=[]),
        load_keys(data_dir).cipher(),
    )
    page = _page(data_dir)
    assert (page.n, page.review_count, page.ratings) == (10, 10, [])


def test_a_person_erased_on_request_leaves_no_review(conn, data_dir):
    from appliance.privacy import erasure

    survey_id = pub.survey(conn)
    ids = [pub.answer(conn, data_dir, survey_id, i) for i in range(6)]
    pub.publish(conn, data_dir, survey_id)
    pub.release(conn, data_dir)
    moderation.record_export(conn, CLI, survey_id)
    with db.transaction(conn):
        moderation.erased(conn, ids[0])
    assert erasure is not None
    assert _page(data_dir, per_page=50).review_count == 5
    assert [e["stale_reason"] for e in moderation.stale_exports(conn)] == ["review"]
    # It never comes back with a later snapshot.
    for i in range(6, 11):
        pub.answer(conn, data_dir, survey_id, i)
    pub.release(conn, data_dir)
    assert _page(data_dir, per_page=50).review_count == 10
