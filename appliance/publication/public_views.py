"""The public side of publication: the page, the JSON Feed, the two widgets and their CSS.

Every route is under ``/public/``, so a reverse proxy can expose publication and nothing else
(see docs/operations.md). Everything shown comes through the public gate
(:class:`~appliance.publication.gate.PublicGate`), which serves only published surveys and
applies k; an unknown, unpublished or withdrawn address is a 404 on every route.

No cookies: these responses never carry ``Set-Cookie`` (no session, no CSRF token), whoever
opens them, a signed-in staff member included (``g.stateless``, honoured by the app's session
interface). No third-party resources: the CSS comes from ``/public/assets/``. Only the widgets
may be framed by other sites (marked with :data:`appliance.security.EMBEDDABLE`).
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, abort, current_app, g, request, send_from_directory

from appliance.auth.guard import public
from appliance.publication import render
from appliance.publication.gate import NotFound, PublicGate
from appliance.security import EMBEDDABLE
from appliance.web import setting, state

bp = Blueprint("public", __name__, url_prefix="/public")
ASSETS = Path(__file__).resolve().parents[2] / "static" / "public"


@bp.before_request
def _stateless() -> None:
    g.stateless = True


def _gate() -> PublicGate:
    return PublicGate(state().db_path, setting("min_group_size"), state().keys.cipher())


def _number(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _load(slug: str, **kw):
    try:
        with _gate() as gate:
            return gate.page(slug, **kw)
    except NotFound:
        abort(404)


def _html(text: str, embeddable: bool = False):
    response = current_app.make_response(text)
    if embeddable:
        response.headers[EMBEDDABLE] = "1"
    return response


@bp.route("/<slug>")
@public
def page(slug: str):
    """The page in ``?lang=`` (default the survey's first language): figures, disclosure and
    one page of reviews (``?page=``, ``?score=``)."""
    shown = _load(slug, page=_number("page") or 1, score=_number("score"))
    language = render.language_of(shown, request.args.get("lang"))
    links = render.LiveLinks(slug, shown.languages[0])
    return _html(render.page_html(shown, language, links, setting("organisation_name")))


@bp.route("/<slug>/feed.json")
@public
def feed(slug: str):
    """JSON Feed 1.1 of the latest reviews, with the figures in ``_appliance``."""
    shown = _load(slug, per_page=render.FEED_ITEMS)
    language = render.language_of(shown, request.args.get("lang"))
    links = render.LiveLinks(slug, shown.languages[0])
    base = state().settings["base_url"]
    data = render.feed(
        shown,
        setting("organisation_name"),
        language,
        state().tz,
        home_page_url=base + links.page(language),
        feed_url=base + links.feed(language),
    )
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, indent=1),
        mimetype="application/feed+json",
    )
    return response


@bp.route("/<slug>/widget")
@public
def widget(slug: str):
    """The badge for another site's iframe: score, review count, a link to the page."""
    return _widget(slug, render.widget_html, reviews=False)


@bp.route("/<slug>/widget/reviews")
@public
def widget_reviews(slug: str):
    """The latest reviews for another site's iframe."""
    return _widget(slug, render.widget_reviews_html, per_page=render.WIDGET_REVIEWS)


def _widget(slug: str, html, **page):
    shown = _load(slug, **page)
    language = render.language_of(shown, request.args.get("lang"))
    links = render.LiveLinks(slug, shown.languages[0])
    return _html(html(shown, language, links, setting("organisation_name")), embeddable=True)


@bp.route("/assets/<path:name>")
@public
def asset(name: str):
    """The public pages' CSS (and any image) from ``static/public/``: nothing outside
    ``/public/`` is needed to show them."""
    return send_from_directory(ASSETS, name)
