"""The page's schema.org JSON-LD, the JSON Feed and the widgets' framing.

No network here: :data:`SCHEMA` is the part of schema.org the page uses, each type with the
properties schema.org defines for it (its own and inherited ones) and the types their values
may have; :func:`check` walks the data against it."""

from __future__ import annotations

import json
import re

import pytest

from appliance.security import HEADERS
from tests.publication import public
from tests.publication.public import SLUG, K, publish, respond

NUMBER, TEXT, DATE = "Number", "Text", "Date"
# type -> property -> allowed value types (schema.org, checked against its definitions).
SCHEMA: dict[str, dict[str, tuple[str, ...]]] = {
    "Organization": {
        "name": (TEXT,),
        "url": (TEXT,),
        "aggregateRating": ("AggregateRating",),
        "review": ("Review",),
    },
    "AggregateRating": {
        "ratingValue": (NUMBER, TEXT),
        "bestRating": (NUMBER, TEXT),
        "worstRating": (NUMBER, TEXT),
        "ratingCount": (NUMBER,),
        "reviewCount": (NUMBER,),
    },
    "Review": {
        "datePublished": (DATE,),
        "reviewBody": (TEXT,),
        "name": (TEXT,),
        "reviewRating": ("Rating",),
        "author": ("Person", "Organization"),
    },
    "Rating": {
        "ratingValue": (NUMBER, TEXT),
        "bestRating": (NUMBER, TEXT),
        "worstRating": (NUMBER, TEXT),
    },
    "Person": {"name": (TEXT,)},
}
# What the page promises beyond schema.org's (optional) properties: Google's required ones.
REQUIRED = {
    "Organization": {"name"},
    "AggregateRating": {"ratingValue", "bestRating", "worstRating", "ratingCount"},
    "Review": {"author", "datePublished"},
    "Rating": {"ratingValue", "bestRating", "worstRating"},
    "Person": {"name"},
}


def _kind(value) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int | float):
        return NUMBER
    if isinstance(value, str):
        return DATE if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else TEXT
    if isinstance(value, dict):
        return value.get("@type", "?")
    return type(value).__name__


def check(node: dict, where: str = "$") -> list[str]:
    """Problems of ``node`` against :data:`SCHEMA` ([] when none)."""
    kind = node.get("@type")
    if kind not in SCHEMA:
        return [f"{where}: unknown type {kind!r}"]
    problems = [f"{where}: {kind} lacks {p}" for p in REQUIRED[kind] - set(node)]
    for prop, value in node.items():
        if prop.startswith("@"):
            continue
        if prop not in SCHEMA[kind]:
            problems.append(f"{where}: {kind} has no property {prop}")
            continue
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            got = _kind(item)
            allowed = SCHEMA[kind][prop]
            if got not in allowed and not (got == DATE and TEXT in allowed):
                problems.append(f"{where}.{prop}[{i}]: {got} where {allowed} is expected")
            if isinstance(item, dict):
                problems += check(item, f"{where}.{prop}[{i}]")
    return problems


def _jsonld(page: str) -> dict:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(found) == 1
    return json.loads(found[0])


@pytest.fixture
def settings_overrides(data_dir):
    return public.settings(data_dir)


@pytest.fixture
def survey_id(conn) -> int:
    return public.new_survey(conn)


def test_the_checker_finds_what_schema_org_does_not_allow():
    assert check({"@type": "Organization", "name": "x", "rating": 3})
    assert check({"@type": "Review", "author": "x", "datePublished": "2026-01-01"})
    assert check({"@type": "Thing"})


def test_the_json_ld_is_valid_schema_org_and_cannot_break_out(app, conn, data_dir, survey_id):
    nasty = '</script><script>alert(1)</script> & "quotes" <b>'
    respond(conn, data_dir, survey_id, 6, grade=8, title="Top <i>", body=nasty, name="Piet")
    respond(conn, data_dir, survey_id, 2, grade=4, body="Matig", start=10)
    publish(conn, data_dir, survey_id)
    page = app.test_client().get(f"/public/{SLUG}?lang=en").get_data(as_text=True)
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert "<" not in raw and ">" not in raw and "&" not in raw
    data = _jsonld(page)
    assert data["@context"] == "https://schema.org"
    assert check(data) == []
    rating = data["aggregateRating"]
    assert rating == {
        "@type": "AggregateRating",
        "ratingValue": 7.0,  # (6 x 8 + 2 x 4) / 8
        "bestRating": 10,
        "worstRating": 1,
        "ratingCount": 8,
        "reviewCount": 8,
    }
    bodies = [r.get("reviewBody") for r in data["review"]]
    assert nasty in bodies  # the same text, only escaped
    authors = {r["author"]["name"] for r in data["review"]}
    assert authors == {"Piet", "Anonymous"}
    assert data["name"] == "Bakkerij De Korenaar"


def test_no_aggregate_rating_below_k(app, conn, data_dir, survey_id):
    respond(conn, data_dir, survey_id, K + 1, grade=3)
    respond(conn, data_dir, survey_id, K - 1, grade=8, body="Goed", mode="kiosk", start=20)
    publish(conn, data_dir, survey_id, modes=["kiosk"])
    data = _jsonld(app.test_client().get(f"/public/{SLUG}").get_data(as_text=True))
    assert "aggregateRating" not in data and check(data) == []
    assert len(data["review"]) == K - 1


def test_the_feed_is_json_feed_1_1(app, conn, data_dir, survey_id):
    respond(conn, data_dir, survey_id, 6, grade=8, title="Top", body="Snel", name="Piet")
    publish(conn, data_dir, survey_id)
    response = app.test_client().get(f"/public/{SLUG}/feed.json?lang=en")
    assert response.mimetype == "application/feed+json"
    feed = response.get_json(force=True)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "Bakkerij De Korenaar: Customer satisfaction"
    assert feed["home_page_url"] == f"http://enquete.example.nl/public/{SLUG}?lang=en"
    assert feed["feed_url"] == f"http://enquete.example.nl/public/{SLUG}/feed.json?lang=en"
    assert len(feed["items"]) == 6 and len({i["id"] for i in feed["items"]}) == 6
    for item in feed["items"]:
        assert item["content_text"] == "Snel" and item["title"] == "Top"
        assert re.fullmatch(r"2026-11-23T00:00:00[+-]\d\d:\d\d", item["date_published"])
        assert item["authors"] == [{"name": "Piet"}]
    extension = feed["_appliance"]
    assert extension["n"] == 6 and extension["score"]["mean"] == 8.0
    assert extension["score"]["distribution"]["8"] == 6
    assert all(key.startswith("_") or key in _FEED_KEYS for key in feed)


_FEED_KEYS = {"version", "title", "home_page_url", "feed_url", "language", "items"}


def test_only_the_widgets_may_be_framed(app, conn, data_dir, survey_id):
    respond(conn, data_dir, survey_id, 6, grade=8, body="Snel")
    publish(conn, data_dir, survey_id)
    client = app.test_client()
    for url in (f"/public/{SLUG}/widget", f"/public/{SLUG}/widget/reviews"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors *" in csp and "frame-ancestors 'none'" not in csp
        assert "X-Frame-Options" not in response.headers
        assert "X-Appliance-Embeddable" not in response.headers
        page = response.get_data(as_text=True)
        assert 'target="_blank" rel="noopener"' in page and "<script" not in page
    for url in (f"/public/{SLUG}", f"/public/{SLUG}/feed.json", "/login", "/public/x/widget"):
        response = client.get(url)
        assert response.headers["Content-Security-Policy"] == HEADERS["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"


def test_the_widgets_show_the_score_and_the_latest_reviews(app, conn, data_dir, survey_id):
    respond(conn, data_dir, survey_id, 6, grade=8, body="Snel")
    publish(conn, data_dir, survey_id)
    client = app.test_client()
    badge = client.get(f"/public/{SLUG}/widget?lang=en").get_data(as_text=True)
    assert '<span class="badge-score">8.0</span>' in badge and "Reviews: 6" in badge
    assert f'href="/public/{SLUG}?lang=en"' in badge
    latest = client.get(f"/public/{SLUG}/widget/reviews").get_data(as_text=True)
    assert latest.count('class="review"') == 4
