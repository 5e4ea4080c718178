"""The moderation page: shown and withheld reviews, newest first and paged, each with its day,
score, title, text (removed words as "[removed]"), the typed name and the reply."""

from __future__ import annotations

from appliance.auth.service import CLI
from appliance.keys import load as load_keys
from appliance.publication import moderation_service as moderation
from appliance.publication import service
from tests.publication.staff import (
    in_dutch,
    named_review,
    review_ids,
    settings_overrides,  # noqa: F401
    with_reviews,
)


def url(survey_id: int, **args) -> str:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/surveys/{survey_id}/publication/reviews" + (f"?{query}" if query else "")


def test_shown_reviews_with_their_name_and_reply(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir, text="Snel & <b>vriendelijk</b>")
    first = review_ids(conn, survey_id)[0]
    moderation.reply(conn, CLI, survey_id, first, "Dank u wel!")
    page = as_role("staff").get(url(survey_id)).get_data(as_text=True)
    assert page.count('class="card" id="review-') == 6
    assert "Snel &amp; &lt;b&gt;vriendelijk&lt;/b&gt;" in page  # user text is escaped
    assert "Jansen" in page  # the typed name, opened for staff
    assert "Dank u wel!" in page and "Shown (6)" in page and "Withheld (0)" in page
    assert "never because it is negative" in page
    for reason in service.REASONS:
        assert f'<option value="{reason}">' in page


def test_removed_words_are_marked_in_the_users_language(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir, n=5, text="Vraag naar Piet, die helpt")
    target = review_ids(conn, survey_id)[0]
    moderation.set_redactions(conn, CLI, survey_id, target, ["piet"])
    staff = as_role("staff")
    page = staff.get(url(survey_id)).get_data(as_text=True)
    assert 'Vraag naar <mark class="redacted">[removed]</mark>, die helpt' in page
    assert "“piet”" in page  # the redaction, with a way to undo it
    in_dutch(staff)
    page = staff.get(url(survey_id)).get_data(as_text=True)
    assert "[verwijderd]</mark>, die helpt" in page
    assert "oktober 2026" in page  # days written out, as a Dutch reader expects them


def test_withheld_reviews_are_a_tab_of_their_own(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir, n=5)
    target = named_review(conn, survey_id)
    moderation.withhold(conn, CLI, survey_id, target, "spam", load_keys(data_dir).cipher())
    staff = as_role("staff")
    page = staff.get(url(survey_id, show="withheld")).get_data(as_text=True)
    assert page.count('class="card" id="review-') == 1 and f'id="review-{target}"' in page
    assert "spam or advertising" in page and "Show again on the public page" in page
    assert "Jansen" in page  # the name travels with the review, sealed anew
    shown = staff.get(url(survey_id)).get_data(as_text=True)
    assert f'id="review-{target}"' not in shown and shown.count('id="review-') >= 4


def test_reviews_are_paged_newest_first(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir, n=25)
    staff = as_role("staff")
    first = staff.get(url(survey_id)).get_data(as_text=True)
    second = staff.get(url(survey_id, page=2)).get_data(as_text=True)
    assert first.count('class="card" id="review-') == 20
    assert second.count('class="card" id="review-') == 5
    assert "1–20 of 25" in first and 'rel="next"' in first and 'rel="prev"' in second
    ids = review_ids(conn, survey_id)
    assert first.index(f'id="review-{ids[0]}"') < first.index(f'id="review-{ids[19]}"')
