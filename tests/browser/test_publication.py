"""End to end in a real browser: staff publish a survey's results, the public reads them, staff
moderate a review, and another site shows the widget under its own strict Content Security
Policy.

Seeds the cast of ``tests/conftest.py`` and the survey of ``tests/publication/published.py``
(15 responses, 10 of them agreeing to publication) into the running server's data directory,
and cuts the researcher's release (and so the public snapshot) from the test process, as the
server's scheduler would a minute later. Then, in Debian's chromium:

- staff sign in (password and TOTP), choose what to publish on the survey's publication page
  and publish it;
- an anonymous visitor (a context of its own, without cookies) sees n, the average grade, the
  reviews newest first with the typed name, and the disclosure, in English and in Dutch;
- staff withhold one review for spam and remove a phrase from another; the public page, its
  JSON Feed and its JSON-LD lose both, and the disclosure counts them;
- a host page on another local port frames both widgets under ``default-src 'none'`` with
  styles and images forbidden: the badge shows, nothing breaks a policy or logs an error,
  every request stays on 127.0.0.1 and nothing sets a cookie;
- axe-core finds no WCAG 2.1 AA violation on the public page (both languages) and the widgets,
  and the page does not scroll sideways on a 390 px phone.

Screenshots go to ``/tmp/pubshots/`` (outside the repository) for a person to look at.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Response, expect, sync_playwright

from appliance import db
from tests.browser.test_accessibility import violations
from tests.browser.test_first_admin import CHROMIUM, CHROMIUM_ARGS, UI_TIMEOUT_MS, _require_chromium
from tests.browser.test_researcher_report import _sign_in
from tests.browser.watch import watch
from tests.conftest import Member, _cast
from tests.publication import published
from tests.serving import Server, running_server

SHOTS = Path("/tmp/pubshots")  # noqa: S108 - screenshots for a person, outside the repository
ORG = "Fietsenmaker De Ketting"
SLUG = published.SLUG
PHRASE = "Jan de Vries belde mij"
SPAM = "Koop goedkope horloges"
TYPED_NAME = "Marieke Jansen"
# (grade, may we publish?, review text, typed name); response i came in on START + i days.
SEED = [
    (9, True, "Vriendelijk personeel en snel geholpen.", None),
    (8, True, "Goed geholpen aan de balie.", None),
    (7, False, "Niets bijzonders.", None),
    (10, True, "Alles prima geregeld, een aanrader.", None),
    (6, True, "Redelijk, maar de wachttijd was lang.", None),
    (8, True, f"{PHRASE} dezelfde dag terug, heel fijn.", None),
    (9, False, "Snel en netjes.", None),
    (3, True, "Slecht: drie keer gebeld en niemand nam op.", None),
    (7, True, f"{SPAM} op horloges-spotgoedkoop.example!", None),
    (8, False, "Prima.", None),
    (5, True, "Matig. De monteur kwam te laat.", None),
    (9, True, "Heel tevreden over de reparatie van mijn fiets.", TYPED_NAME),
    (8, False, "Goed.", None),
    (10, False, "Uitstekend.", None),
    (10, True, "Topservice, ik kom zeker terug.", None),
]
REVIEWS = [text for _grade, consent, text, _name in SEED if consent]
N = len(SEED)
MEAN = sum(grade for grade, *_ in SEED) / N  # 117 / 15 = 7.8


@dataclass(frozen=True)
class Seeded:
    staff: Member
    survey_id: int


def _one_decimal(value: float, language: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if language == "nl" else text


def test_staff_publish_moderate_and_the_public_and_a_host_site_see_it(tmp_path):
    _require_chromium()  # before anything else: a missing browser is a failure, not a skip
    SHOTS.mkdir(parents=True, exist_ok=True)
    with (
        running_server(tmp_path, organisation_name=ORG) as server,
        _host_site(server.base_url) as host,
        sync_playwright() as p,
    ):
        seeded = _seed(server.data_dir)
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            _flow(browser, server, seeded, host)
        finally:
            browser.close()


def _seed(data_dir: Path) -> Seeded:
    """The cast, the survey with its responses, and the release that makes them public-ready."""
    cast = _cast(data_dir)
    conn = db.connect(db.db_path(data_dir))
    try:
        survey_id = published.survey(conn)
        for i, (grade, consent, text, name) in enumerate(SEED):
            published.answer(
                conn, data_dir, survey_id, i, grade=grade, consent=consent, text=text, name=name
            )
        assert published.release(conn, data_dir) == [survey_id]
    finally:
        conn.close()
    return Seeded(cast["staff"], survey_id)


@dataclass
class HostSite:
    """Another site on 127.0.0.1 (a port of its own) with a strict CSP; its page holds
    ``snippets``, the embed code staff copy from the publication page."""

    url: str
    snippets: list[str]

    def body(self) -> bytes:
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Host site</title></head><body><h1>Our customers say</h1>"
            + "".join(self.snippets)
            + "</body></html>"
        ).encode()


@contextmanager
def _host_site(appliance: str) -> Iterator[HostSite]:
    """Serve the host site (in a thread) whose policy allows frames of the appliance only."""
    policy = f"default-src 'none'; frame-src {appliance}; style-src 'none'; img-src 'none'"
    site = HostSite("", [])

    class Host(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            found = self.path == "/"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", policy)
            self.end_headers()
            if found:
                self.wfile.write(site.body())

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Host)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        site.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
        yield site
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _context(browser: Browser, **kw) -> BrowserContext:
    context = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900}, **kw)
    context.set_default_timeout(UI_TIMEOUT_MS)
    return context


def _shot(page: Page, name: str, width: int | None = None) -> None:
    if width is not None:
        page.set_viewport_size({"width": width, "height": 900})
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _flow(browser: Browser, server: Server, seeded: Seeded, host: HostSite) -> None:
    base = server.base_url
    host_url = host.url
    public_url = f"{base}/public/{SLUG}"
    staff = _context(browser)
    staff_problems = watch(staff)
    anon = _context(browser)
    anon_problems = watch(anon)
    requests: list[str] = []
    responses: list[Response] = []
    anon.on("request", lambda request: requests.append(request.url))
    anon.on("response", lambda response: responses.append(response))

    # 1-2. Staff sign in, open the publication page from the survey page, choose and publish.
    desk = staff.new_page()
    _sign_in(desk, base, seeded.staff)
    desk.goto(f"{base}/surveys/{seeded.survey_id}")
    desk.locator("#publication-link").click()
    expect(desk).to_have_url(f"{base}/surveys/{seeded.survey_id}/publication")
    expect(desk.locator("#publication-status")).to_have_text("not published")
    choices = desk.locator("#choices")
    choices.get_by_label("Averages and reviews").check()
    choices.get_by_label("Overall score (a grade, NPS or rating question)").select_option("cijfer")
    choices.get_by_label("Hoe snel waren wij? (snel)").check()
    choices.get_by_label("Open question that holds the review text").select_option("tekst")
    choices.get_by_label("Question that holds the review title (optional)").select_option("kop")
    choices.get_by_label("Question that holds the respondent's name (optional)").select_option(
        "naam"
    )
    choices.get_by_label("Public address").fill(SLUG)
    choices.get_by_role("button", name="Save choices").click()
    expect(desk.locator(".flash.success")).to_have_text("Publication settings saved.")
    desk.locator("#publish").get_by_role("button", name="Publish now").click()
    expect(desk.locator(".flash.success")).to_contain_text("Published")
    expect(desk.locator("#publication-status")).to_have_text("published")
    expect(desk.locator("#public-url")).to_have_text(public_url)
    expect(desk.locator("#public-url")).to_have_attribute("href", public_url)
    # As the scheduler would: fold, cut a release when due, refresh stale snapshots.
    conn = db.connect(db.db_path(server.data_dir))
    try:
        published.release(conn, server.data_dir)
    finally:
        conn.close()
    desk.reload()
    expect(desk.locator("#preview-n")).to_have_text(str(N))
    expect(desk.locator("#preview-score")).to_have_text(_one_decimal(MEAN, "en"))
    expect(desk.locator("#preview-reviews")).to_have_text(str(len(REVIEWS)))
    # The embed code offered to staff goes onto the host site as it is.
    host.snippets = [desk.locator(f"#embed-{name}").input_value() for name in ("badge", "reviews")]
    assert all(f'src="{public_url}/widget' in snippet for snippet in host.snippets), host.snippets
    _shot(desk, "staff-publication")

    # 3. The public page, anonymously: English first, then Dutch through the language link.
    page = anon.new_page()
    page.goto(f"{public_url}?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Customer satisfaction")
    expect(page.locator(".top .org")).to_have_text(ORG)
    expect(page.locator(".figures .n")).to_have_text(f"Based on {N} responses.")
    expect(page.locator(".score .big")).to_have_text(_one_decimal(MEAN, "en"))
    expect(page.locator(".score-label")).to_have_text("average grade (1 to 10)")
    expect(page.locator(".ratings dd")).to_have_text("4.0 / 5")
    reviews = page.locator(".reviews article.review")
    expect(page.locator("#reviews-heading")).to_have_text(f"Reviews ({len(REVIEWS)})")
    # Newest first: response i came in i days after the start, so the reverse order of SEED.
    expect(reviews.locator(".review-body")).to_have_text(list(reversed(REVIEWS)))
    days = reviews.locator("time").evaluate_all("ts => ts.map(t => t.dateTime)")
    assert days == sorted(days, reverse=True), days
    expect(reviews.filter(has_text="reparatie").locator(".review-name")).to_have_text(
        f"— {TYPED_NAME}"
    )
    expect(page.locator(".review-name")).to_have_count(1)
    negative = reviews.filter(has_text="niemand nam op")
    expect(negative.locator(".review-score strong")).to_have_text("3 / 10")
    about = page.locator("#about")
    expect(about).to_contain_text("personal invitations by e-mail")
    expect(about).to_contain_text("personal invitation link")
    expect(about).to_contain_text("negative ones included")
    expect(about).to_contain_text("Reviews are shown newest first")
    expect(about).to_contain_text("The score is the mean of all responses in the period")
    expect(about).to_contain_text("No figure is shown over fewer than 5 responses.")
    expect(about.locator("ul.withheld li")).to_have_text(
        [
            "personal data of someone: 0",
            "offensive language: 0",
            "not about our service: 0",
            "spam or advertising: 0",
        ]
    )
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Nederlands").click()
    expect(page).to_have_url(public_url)
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.locator(".figures .n")).to_have_text(f"Gebaseerd op {N} reacties.")
    expect(page.locator(".score .big")).to_have_text(_one_decimal(MEAN, "nl"))
    expect(page.locator(".ratings dd")).to_have_text("4,0 / 5")
    expect(page.locator("#about")).to_contain_text("ook de negatieve")

    # 4. Staff withhold the spam and cut the phrase on the moderation page.
    desk.goto(f"{base}/surveys/{seeded.survey_id}/publication/reviews")
    expect(desk.get_by_role("heading", name="Reviews", level=1)).to_be_visible()
    spam = desk.locator("article.card", has_text=SPAM)
    spam.locator("summary").click()
    spam.get_by_label("Withhold for this reason").select_option(label="spam or advertising")
    spam.get_by_role("button", name="Withhold", exact=True).click()
    expect(desk.locator(".flash.success")).to_have_text("Review withheld: spam or advertising.")
    named = desk.locator("article.card", has_text=PHRASE)
    named.locator("summary").click()
    named.get_by_label("Remove these exact words (any case) from the title and text").fill(PHRASE)
    named.get_by_role("button", name="Remove words").click()
    expect(desk.locator(".flash.success")).to_have_text(
        "The words are removed from the public review."
    )
    expect(desk.locator("article.card", has_text=SPAM)).to_have_count(0)
    _shot(desk, "staff-moderation")

    page.goto(f"{public_url}?lang=en")
    expect(page.locator("#reviews-heading")).to_have_text(f"Reviews ({len(REVIEWS) - 1})")
    expect(page.locator("main")).not_to_contain_text(SPAM)
    expect(page.locator("main")).not_to_contain_text("horloges")
    redacted = reviews.filter(has_text="dezelfde dag terug")
    expect(redacted.locator(".review-body")).to_have_text(
        "[removed] dezelfde dag terug, heel fijn."
    )
    expect(redacted.locator(".review-body .cut")).to_have_text("[removed]")
    expect(about.locator("ul.withheld li").last).to_have_text("spam or advertising: 1")
    expect(about).to_contain_text(
        "Reviews in which we removed words, for example someone else's name: 1."
    )
    # The average does not change: a withheld review still counts in the figures.
    expect(page.locator(".score .big")).to_have_text(_one_decimal(MEAN, "en"))
    html = page.content()
    assert PHRASE not in html and "Jan de Vries" not in html and SPAM not in html
    ld = json.loads(page.locator('script[type="application/ld+json"]').text_content() or "")
    assert ld["aggregateRating"]["ratingValue"] == round(MEAN, 1), ld
    assert ld["aggregateRating"]["ratingCount"] == N, ld
    assert ld["aggregateRating"]["reviewCount"] == len(REVIEWS) - 1, ld
    bodies = [review.get("reviewBody", "") for review in ld["review"]]
    assert "[removed] dezelfde dag terug, heel fijn." in bodies, bodies
    ld_text = json.dumps(ld, ensure_ascii=False)
    assert "Jan de Vries" not in ld_text and "horloges" not in ld_text, ld_text
    for language in ("nl", "en"):
        feed = page.request.get(f"{public_url}/feed.json?lang={language}")
        assert feed.status == 200, feed.status
        assert "set-cookie" not in feed.headers, feed.headers
        text = feed.text()
        assert "Jan de Vries" not in text and "horloges" not in text, text
        items = feed.json()["items"]
        assert len(items) == len(REVIEWS) - 1, items
        marker = "[verwijderd]" if language == "nl" else "[removed]"
        assert any(item["content_text"].startswith(marker) for item in items), items
    page.goto(public_url)
    expect(page.locator("main")).to_contain_text("[verwijderd] dezelfde dag terug")
    expect(page.locator("#about ul.withheld li").last).to_have_text("spam of reclame: 1")
    assert "Jan de Vries" not in page.content()

    # 7 (first half). The public page in both languages, wide and on a phone.
    for language, url in (("nl", public_url), ("en", f"{public_url}?lang=en")):
        page.goto(url)
        _shot(page, f"public-{language}-1366", 1366)
        _shot(page, f"public-{language}-390", 390)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, language
    page.set_viewport_size({"width": 1366, "height": 900})

    # 5. The widgets on another site whose CSP forbids everything but frames of the appliance.
    page.goto(host_url)
    badge = page.frame_locator(f'iframe[src="{public_url}/widget"]')
    expect(badge.locator(".badge-score")).to_have_text(_one_decimal(MEAN, "nl"))
    expect(badge.locator(".badge-score")).to_be_visible()
    expect(badge.locator(".badge-label")).to_have_text(f"gemiddelde van {N} reacties")
    expect(badge.locator(".badge-reviews")).to_have_text(f"Beoordelingen: {len(REVIEWS) - 1}")
    latest = page.frame_locator(f'iframe[src="{public_url}/widget/reviews"]')
    expect(latest.locator("article.review")).to_have_count(4)
    expect(latest.locator("article.review").first).to_contain_text(REVIEWS[-1])
    expect(latest.locator("body")).not_to_contain_text("Jan de Vries")
    # The frames' own stylesheet applies (the host's style-src does not reach into a frame).
    assert badge.locator(".badge").evaluate("e => getComputedStyle(e).display") == "flex"
    # The badge fits the frame size the snippet gives it: nothing cut off, no scroll bar.
    fits = "e => e.scrollWidth <= innerWidth && e.scrollHeight <= innerHeight"
    assert badge.locator("html").evaluate(fits), badge.locator("html").evaluate(
        "e => [e.scrollWidth, e.scrollHeight, innerWidth, innerHeight]"
    )
    _shot(page, "widget-host")

    # Nothing on the anonymous side broke a policy, logged an error, left 127.0.0.1 or set a
    # cookie.
    anon_problems.assert_none()
    staff_problems.assert_none()
    assert requests, "no request recorded"
    elsewhere = [url for url in requests if urlsplit(url).hostname != "127.0.0.1"]
    assert not elsewhere, elsewhere
    assert any(url.startswith(host_url) for url in requests), requests
    assert any("/widget/reviews" in url for url in requests), requests
    assert anon.cookies() == [], anon.cookies()
    public_responses = [r for r in responses if urlsplit(r.url).path.startswith("/public/")]
    assert len(public_responses) >= 8, [r.url for r in public_responses]
    cookies_set = [r.url for r in public_responses if r.header_value("set-cookie") is not None]
    assert not cookies_set, cookies_set
    page.close()
    anon.close()
    staff.close()

    # 6. axe-core (injected, hence bypass_csp on a context of its own) finds nothing.
    checked = _context(browser, bypass_csp=True)
    audit = checked.new_page()
    found = {}
    for name, url in (
        ("page nl", public_url),
        ("page en", f"{public_url}?lang=en"),
        ("widget", f"{public_url}/widget"),
        ("widget reviews", f"{public_url}/widget/reviews"),
        ("host", host_url),
    ):
        audit.goto(url)
        found[name] = violations(audit)
    audit.set_viewport_size({"width": 390, "height": 800})
    audit.goto(public_url)
    found["page nl 390"] = violations(audit)
    checked.close()
    assert all(not v for v in found.values()), found
