"""The public snapshot: cut with the researcher's release, only consented reviews of
respondents told on the first page, and in step with every erasure."""

from __future__ import annotations

from datetime import date

import pytest

from appliance import db
from appliance.auth.service import CLI
from appliance.keys import load as load_keys
from appliance.privacy import retention_service
from appliance.publication import moderation_service as moderation
from appliance.publication import service
from appliance.publication.gate import NotFound, PublicGate
from appliance.settings import load as load_settings
from tests.privacy.world import at_noon
from tests.publication import published as pub


def _page(data_dir, **kw):
    with PublicGate(db.db_path(data_dir), pub.K, load_keys(data_dir).cipher()) as gate:
        return gate.page(pub.SLUG, **kw)


def test_figures_wait_for_the_release_and_reviews_come_with_the_snapshot(conn, data_dir):
    survey_id = pub.survey(conn)
    for i in range(12):
        pub.answer(conn, data_dir, survey_id, i)
    pub.publish(conn, data_dir, survey_id)
    before = _page(data_dir)
    assert before.hidden == "pending" and before.n is None and before.score is None
    assert pub.release(conn, data_dir) == [survey_id]
    after = _page(data_dir)
    assert after.hidden == "" and after.n == 12
    assert after.score.mean == pytest.approx(8.0)
    assert after.review_count == 12


def test_only_consenting_respondents_who_were_told_become_reviews(conn, data_dir):
    survey_id = pub.survey(conn)
    for i in range(6):
        pub.answer(conn, data_dir, survey_id, i)
    pub.answer(conn, data_dir, survey_id, 6, consent=False, text="Zeg het niet verder")
    pub.answer(conn, data_dir, survey_id, 7, told=False, text="Niet gewaarschuwd")
    pub.publish(conn, data_dir, survey_id)
    pub.release(conn, data_dir)
    page = _page(data_dir, per_page=50)
    texts = {r.plain("body", "[x]") for r in page.reviews}
    assert len(texts) == 6
    assert "Zeg het niet verder" not in texts and "Niet gewaarschuwd" not in texts


def test_an_excluded_response_leaves_the_reviews_at_the_next_snapshot(conn, data_dir):
    from appliance.responses import service as responses_service

    survey_id = pub.survey(conn)
    ids = [pub.answer(conn, data_dir, survey_id, i) for i in range(10)]
    pub.publish(conn, data_dir, survey_id)
    pub.release(conn, data_dir)
    responses_service.set_excluded(conn, CLI, survey_id, ids[0], "speeder", "2026-11-01")
    for i in range(10, 14):
        pub.answer(conn, data_dir, survey_id, i)
    pub.release(conn, data_dir)
    page = _page(data_dir, per_page=50)
    assert page.review_count == 13
    assert "Ervaring nummer 0" not in {r.plain("body", "") for r in page.reviews}


def test_a_typed_name_is_shown_sealed_at_rest_and_gone_when_retention_erases_it(conn, data_dir):
    survey_id = pub.survey(conn)
    for i in range(5):
        pub.answer(conn, data_dir, survey_id, i, name="Jan Jansen" if i == 0 else None)
    pub.publish(conn, data_dir, survey_id)
    pub.release(conn, data_dir)
    assert [r.name for r in _page(data_dir).reviews if r.name] == ["Jan Jansen"]
    sealed = conn.execute("SELECT name FROM published_reviews WHERE name IS NOT NULL").fetchone()
    assert b"Jansen" not in sealed[0]
    moderation.record_export(conn, CLI, survey_id)
    settings = load_settings({"data_dir": str(data_dir)}, environ={})
    retention_service.apply(conn, settings, now=at_noon(date(2027, 6, 1)))
    assert [r.name for r in _page(data_dir).reviews if r.name] == []
    stale = moderation.stale_exports(conn)
    assert [(e["survey_id"], e["stale_reason"]) for e in stale] == [(survey_id, "name")]


def test_withdrawing_takes_everything_down_at_once(conn, data_dir):
    survey_id = pub.survey(conn)
    for i in range(6):
        pub.answer(conn, data_dir, survey_id, i)
    pub.publish(conn, data_dir, survey_id)
    pub.release(conn, data_dir)
    service.withdraw(conn, CLI, survey_id)
    with pytest.raises(NotFound):
        _page(data_dir)
    assert conn.execute("SELECT count(*) FROM publication_counts").fetchone()[0] == 0


def test_scope_counts_only_chosen_modes_from_the_monday_of_the_start_week(conn, data_dir):
    survey_id = pub.survey(conn)
    for i in range(10):
        pub.answer(conn, data_dir, survey_id, i, mode="invitation", day=date(2026, 10, 5))
    for i in range(10, 20):
        pub.answer(conn, data_dir, survey_id, i, mode="link", day=date(2026, 10, 5))
    for i in range(20, 30):
        pub.answer(conn, data_dir, survey_id, i, mode="invitation", day=date(2026, 9, 28))
    # From a Wednesday: the whole week counts, so no published month splits a week.
    pub.publish(conn, data_dir, survey_id, modes=["invitation"], from_date=date(2026, 10, 7))
    pub.release(conn, data_dir)
    page = _page(data_dir)
    assert page.n == 10
    assert all(r.verified for r in page.reviews)


def test_the_review_counts_stay_equal_to_counting_the_reviews(conn, data_dir):
    """The public page reads its review counts from a table kept by triggers: after every
    kind of change it equals counting the reviews themselves."""
    survey_id = pub.survey(conn)
    ids = [pub.answer(conn, data_dir, survey_id, i, grade=4 + i % 6) for i in range(14)]
    pub.publish(conn, data_dir, survey_id)
    pub.release(conn, data_dir)
    cipher = load_keys(data_dir).cipher()
    reviews = _page(data_dir, per_page=50).reviews
    moderation.withhold(conn, CLI, survey_id, reviews[0].id, "offensive", cipher)
    moderation.set_redactions(conn, CLI, survey_id, reviews[1].id, ["nummer"])
    moderation.withhold(conn, CLI, survey_id, reviews[2].id, "spam", cipher)
    moderation.restore(conn, CLI, survey_id, reviews[2].id, cipher)
    with db.transaction(conn):
        moderation.erased(conn, ids[5])
        conn.execute("DELETE FROM responses WHERE id = ?", (ids[6],))

    def kept():
        return sorted(
            tuple(r)
            for r in conn.execute(
                "SELECT month, score, redacted, n FROM published_review_counts WHERE survey_id = ?",
                (survey_id,),
            )
        )

    counted = sorted(
        tuple(r)
        for r in conn.execute(
            "SELECT month, coalesce(score, -1), redactions != '[]', count(*)"
            " FROM published_reviews WHERE survey_id = ? GROUP BY 1, 2, 3",
            (survey_id,),
        )
    )
    assert kept() == counted
    assert sum(r[3] for r in counted) == 11
    assert _page(data_dir).redacted == 1


def test_serves_release_round_cuts_the_public_snapshot_too(conn, data_dir):
    """The job ``serve`` runs every minute: releases first, then the snapshot of each published
    survey released since its last one."""
    from appliance.scheduler import release_due
    from tests.factories import fold_pending

    survey_id = pub.survey(conn)
    for i in range(6):
        pub.answer(conn, data_dir, survey_id, i)
    pub.publish(conn, data_dir, survey_id)
    assert _page(data_dir).hidden == "pending"
    fold_pending(conn)
    settings = load_settings({"data_dir": str(data_dir)}, environ={})
    assert release_due(settings) == [survey_id]
    page = _page(data_dir)
    assert (page.n, page.review_count) == (6, 6)
