"""The public page (and, where a rule holds for the whole public side, the feed and the widgets):
figures and the disclosure, k, moderation, no cookie, nothing from another site, 404s."""

from __future__ import annotations

import re

import pytest

from appliance.auth.service import CLI
from appliance.keys import load as load_keys
from appliance.publication import moderation_service as moderation
from appliance.publication import service
from tests.conftest import Browser
from tests.publication import public
from tests.publication.public import SLUG, K, everything, public_urls, publish, respond, review_ids

ASSET_URLS = ["/public/assets/public.css"]


@pytest.fixture
def settings_overrides(data_dir):
    return public.settings(data_dir)


@pytest.fixture
def survey_id(conn) -> int:
    return public.new_survey(conn)


@pytest.fixture
def published(conn, data_dir, survey_id):
    """Nine reviews (six with a title, a text and a typed name, three with a text only), all
    agreeing to publication, published and released."""
    respond(conn, data_dir, survey_id, 6, grade=8, title="Prima", body="Snel geholpen", name="Piet")
    respond(conn, data_dir, survey_id, 3, grade=5, body="Kon beter", start=10)
    publish(conn, data_dir, survey_id)
    return survey_id


def _page(client, url=f"/public/{SLUG}") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_shows_the_figures_reviews_and_disclosure_in_dutch(app, published):
    page = _page(app.test_client())
    assert '<html lang="nl">' in page and "Bakkerij De Korenaar" in page
    assert "Klanttevredenheid" in page
    assert '<span class="big">7,0</span>' in page  # (6 x 8 + 3 x 5) / 9, one decimal
    assert "4,0 / 5" in page  # the rating
    assert "november 2026" in page and "23 november 2026" in page
    assert "Snel geholpen" in page and "— Piet" in page
    assert 'href="/public/klanttevredenheid?lang=en"' in page  # the language switch
    # The disclosure: the modes, unverified open links, every reason withheld, ordering, k.
    about = page[page.index('id="about"') :]
    assert "open link" in about or "open link" in about.lower() or "open" in about
    for count in re.findall(r"<li>[^<]+: (\d+)</li>", about):
        assert count == "0"
    assert len(re.findall(r"<li>[^<]+: \d+</li>", about)) == 4
    assert f"{K}" in about


def test_the_page_in_english_explains_how_reviews_and_the_score_come_about(app, published):
    page = _page(app.test_client(), f"/public/{SLUG}?lang=en")
    assert '<html lang="en">' in page and "Customer satisfaction" in page
    assert '<span class="big">7.0</span>' in page and "November 23, 2026" in page
    about = page[page.index('id="about"') :]
    assert "personal invitation link" in about and "works only once" in about
    assert "are not verified" in about
    assert "negative ones included" in about
    for reason in ("personal data of someone", "offensive language", "spam"):
        assert reason in about
    assert "newest first" in about
    assert "mean of all responses" in about
    assert f"No figure is shown over fewer than {K} responses" in about


def test_the_score_filter_and_paging(app, conn, data_dir, survey_id):
    respond(conn, data_dir, survey_id, 12, grade=8, body="Goed")
    respond(conn, data_dir, survey_id, 5, grade=4, body="Slecht", start=20)
    publish(conn, data_dir, survey_id)
    client = app.test_client()
    page = _page(client, f"/public/{SLUG}?lang=en")
    assert 'href="/public/klanttevredenheid?lang=en&amp;score=4">4 (5)</a>' in page
    assert "Page 1 of 2" in page and 'rel="next"' in page
    second = _page(client, f"/public/{SLUG}?lang=en&page=2")
    assert "Page 2 of 2" in second and second.count('class="review"') == 7
    low = _page(client, f"/public/{SLUG}?lang=en&score=4")
    assert low.count('class="review"') == 5 and "Goed" not in low.replace("Good", "")


def test_below_k_no_figure_anywhere(app, conn, data_dir, survey_id):
    # Published: the kiosk's responses only, fewer than k of them.
    respond(conn, data_dir, survey_id, K + 1, grade=3)
    respond(conn, data_dir, survey_id, K - 1, grade=8, body="Goed", mode="kiosk", start=20)
    publish(conn, data_dir, survey_id, modes=["kiosk"])
    client = app.test_client()
    texts = everything(client)
    page = texts[f"/public/{SLUG}?lang=en"]
    assert f"at least {K} responses" in page and 'class="big"' not in page
    assert "aggregateRating" not in texts[f"/public/{SLUG}"]
    assert '"n":' not in texts[f"/public/{SLUG}/feed.json"].replace(" ", "")
    assert '"score": {' not in texts[f"/public/{SLUG}/feed.json"]
    assert "badge-score" not in texts[f"/public/{SLUG}/widget"]
    for url, text in texts.items():
        assert "8,0" not in text and "8.0" not in text, url


def test_a_withheld_review_is_nowhere(app, conn, data_dir, survey_id):
    respond(conn, data_dir, survey_id, 6, grade=8, body="Vriendelijk personeel")
    respond(conn, data_dir, survey_id, 1, grade=2, body="Kijk op mijnspam.example", start=10)
    publish(conn, data_dir, survey_id)
    client = app.test_client()
    assert any("mijnspam" in text for text in everything(client).values())
    spam = [r for r in review_ids(conn, survey_id, rows=True) if "mijnspam" in r["body"]]
    moderation.withhold(conn, CLI, survey_id, spam[0]["id"], "spam", _cipher(data_dir))
    texts = everything(client)
    for url, text in texts.items():
        assert "mijnspam" not in text, url
    about = texts[f"/public/{SLUG}?lang=en"].split('id="about"')[1]
    assert "<li>spam or advertising: 1</li>" in about


def test_a_redacted_phrase_is_nowhere_and_marked_removed(app, conn, data_dir, survey_id):
    respond(conn, data_dir, survey_id, 6, grade=8, body="Jan Jansen hielp mij <snel> & goed")
    publish(conn, data_dir, survey_id)
    for review_id in review_ids(conn, survey_id):
        moderation.set_redactions(conn, CLI, survey_id, review_id, ["Jan Jansen"])
    texts = everything(app.test_client())
    for url, text in texts.items():
        assert "Jansen" not in text, url
    assert (
        '<span class="cut">[removed]</span> hielp mij &lt;snel&gt; &amp; goed'
        in (texts[f"/public/{SLUG}?lang=en"])
    )
    assert '<span class="cut">[verwijderd]</span>' in texts[f"/public/{SLUG}"]
    assert "[verwijderd] hielp mij" in texts[f"/public/{SLUG}/feed.json"]
    assert "[removed] hielp mij" in texts[f"/public/{SLUG}/feed.json?lang=en"]
    about = texts[f"/public/{SLUG}?lang=en"].split('id="about"')[1]
    assert "someone else's name: 6" in about


@pytest.mark.parametrize("signed_in", [False, True])
def test_no_response_sets_a_cookie(app, cast, published, signed_in):
    browser = Browser(app)
    if signed_in:
        browser.sign_in(cast["staff"])
    for url in [*public_urls(), *ASSET_URLS, "/public/unknown-slug", "/public/unknown/widget"]:
        response = browser.get(url)
        response.close()
        assert "Set-Cookie" not in response.headers, url


def test_pages_are_never_cached_but_their_css_may_be(app, published):
    client = app.test_client()
    for url in public_urls():
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    for url in ASSET_URLS:
        response = client.get(url)
        assert response.status_code == 200 and "no-store" not in response.headers.get(
            "Cache-Control", ""
        ), url
        response.close()


def test_nothing_comes_from_another_site(app, published):
    for url, text in everything(app.test_client()).items():
        if url.split("?")[0].endswith(".json"):
            continue
        for link in re.findall(r'(?:src|href)="([^"]*)"', text):
            assert link.startswith("/public/") or not re.match(r"^[a-z]+:|^//", link), (url, link)
        assert "<script" not in text.replace('<script type="application/ld+json">', ""), url
        assert " style=" not in text, url


def test_an_unpublished_or_withdrawn_address_is_404_everywhere(app, conn, data_dir, survey_id):
    respond(conn, data_dir, survey_id, 6, grade=8, body="Goed")
    cipher = _cipher(data_dir)
    client = app.test_client()
    service.save(conn, CLI, survey_id, SLUG, _choices(), cipher)  # saved, never published
    for url in [*public_urls(), *public_urls("unknown-slug")]:
        assert client.get(url).status_code == 404, url
    service.publish(conn, CLI, survey_id, cipher)
    assert client.get(f"/public/{SLUG}").status_code == 200
    service.withdraw(conn, CLI, survey_id)
    for url in public_urls():
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Snel" not in response.get_data(as_text=True)


def test_figures_wait_for_the_first_release(app, conn, data_dir, survey_id):
    respond(conn, data_dir, survey_id, 6, grade=8)
    cipher = _cipher(data_dir)
    service.save(conn, CLI, survey_id, SLUG, _choices(), cipher)
    service.publish(conn, CLI, survey_id, cipher)  # no release cut yet
    page = _page(app.test_client(), f"/public/{SLUG}?lang=en")
    assert "once enough new responses have come in" in page and 'class="big"' not in page


def _cipher(data_dir):
    return load_keys(data_dir).cipher()


def _choices():
    return public.choices()
