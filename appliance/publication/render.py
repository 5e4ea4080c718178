"""How a published survey looks to the public: the page, the widgets, the JSON Feed and the
schema.org JSON-LD, built from the public gate's :class:`~appliance.publication.gate.PublicPage`.

Contract: everything here works on what the gate returned and nothing else (this module never
opens the gate or the database), so the live pages (``public_views``) and the static export
(``export``) show exactly the same. Links come from a :class:`Links` object: the live pages link
to ``/public/...``, the export to files beside each other. Rendering needs an app context (the
templates) and renders in the language asked for, whatever the visitor's account says.

A redacted part of a review is shown as "[removed]" in the page's language ("[verwijderd]"); its
text never reached the gate. No figure is shown the gate did not return (it applies k).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Protocol

from babel.dates import format_date
from flask import render_template, url_for
from flask_babel import force_locale, format_decimal, format_percent, get_locale, gettext
from markupsafe import Markup, escape

from appliance.i18n import N_

FEED_VERSION = "https://jsonfeed.org/version/1.1"
FEED_ITEMS = 50
WIDGET_REVIEWS = 4
MODE_LABELS = {
    "invitation": N_("personal invitations by e-mail"),
    "link": N_("the open link on our website"),
    "kiosk": N_("a kiosk on our premises"),
    "paper": N_("paper forms"),
    "phone": N_("telephone interviews"),
    "onsite": N_("face-to-face interviews"),
}
REASON_LABELS = {
    "personal_data": N_("personal data of someone"),
    "offensive": N_("offensive language"),
    "off_topic": N_("not about our service"),
    "spam": N_("spam or advertising"),
}
ALL_MODES = tuple(MODE_LABELS)
# Characters that could end the JSON-LD's <script> element or start markup inside it; JSON
# allows their \u escapes anywhere in a string, so the data stays the same.
_SCRIPT_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


class Links(Protocol):
    """Where the public page's links lead: the live pages or the files of a static export."""

    def page(self, language: str, page: int = 1, score: int | None = None) -> str: ...
    def asset(self, name: str) -> str: ...
    def feed(self, language: str) -> str: ...


@dataclass(frozen=True)
class LiveLinks:
    """Links on the appliance itself, all under ``/public/`` (relative to the host)."""

    slug: str
    default_language: str

    def _lang(self, language: str) -> str | None:
        return None if language == self.default_language else language

    def page(self, language: str, page: int = 1, score: int | None = None) -> str:
        return url_for(
            "public.page",
            slug=self.slug,
            lang=self._lang(language),
            score=score,
            page=page if page > 1 else None,
        )

    def asset(self, name: str) -> str:
        return url_for("public.asset", name=name)

    def feed(self, language: str) -> str:
        return url_for("public.feed", slug=self.slug, lang=self._lang(language))


@dataclass(frozen=True)
class FileLinks:
    """Links between the files of a static export, all relative (``index.html``,
    ``score-9-page-2.en.html``, ``public.css``, ``feed.json``)."""

    default_language: str

    def _suffix(self, language: str) -> str:
        return "" if language == self.default_language else f".{language}"

    def page(self, language: str, page: int = 1, score: int | None = None) -> str:
        parts = [f"score-{score}"] if score is not None else []
        if page > 1:
            parts.append(f"page-{page}")
        return f"{'-'.join(parts) or 'index'}{self._suffix(language)}.html"

    def asset(self, name: str) -> str:
        return name

    def feed(self, language: str) -> str:
        return f"feed{self._suffix(language)}.json"


# ---- numbers and dates as the reader writes them ------------------------------------------------


def decimal(value: float) -> str:
    """One decimal, in the current language: 7,8 (nl), 7.8 (en)."""
    return format_decimal(value, format="#,##0.0")


def signed(value: float) -> str:
    """A whole number with its sign: +32, -5, 0 (an NPS)."""
    whole = round(value)
    return f"+{format_decimal(whole)}" if whole > 0 else format_decimal(whole)


def percent(share: float) -> str:
    return format_percent(share, format="#,##0%")


def long_date(iso: str | None) -> str:
    """An ISO day (or time) as "3 december 2026" / "December 3, 2026"; "" for none."""
    if not iso:
        return ""
    return format_date(date.fromisoformat(iso[:10]), "long", locale=get_locale())


def month_name(month: str) -> str:
    """'2026-12' as "december 2026" / "December 2026"."""
    return format_date(date.fromisoformat(f"{month}-01"), "MMMM y", locale=get_locale())


def headline(figure) -> str:
    """A figure's main number: an NPS signed, a grade with one decimal, else "4,2 / 5"."""
    if figure.type == "nps" and figure.nps is not None:
        return signed(figure.nps)
    if figure.type == "grade":
        return decimal(figure.mean)
    return f"{decimal(figure.mean)} / {figure.scale[1]}"


def score_of(review, scale: tuple[int, int] | None) -> str:
    """A review's own score: "8 / 10"."""
    if review.score is None:
        return ""
    return f"{review.score} / {scale[1]}" if scale else str(review.score)


def bars(figure) -> list[dict[str, Any]]:
    """The distribution as rows: value, count, share, and a width class (steps of 5%): the
    page's CSP forbids inline styles, so the bar's width comes from ``public.css``."""
    total = sum(count for _value, count in figure.distribution) or 1
    return [
        {
            "value": value,
            "count": count,
            "share": percent(count / total),
            "width": f"w{round(count / total * 20) * 5}",
        }
        for value, count in reversed(figure.distribution)
    ]


def parts(review, part: str) -> Markup:
    """A review's title or body as HTML: its text escaped, each cut as a marked "[removed]"."""
    marker = Markup('<span class="cut">%s</span>') % gettext("[removed]")
    return Markup("").join(marker if cut else escape(text) for text, cut in getattr(review, part))


class Formats:
    """The helpers above, for the templates (``f.decimal(...)``)."""

    decimal = staticmethod(decimal)
    signed = staticmethod(signed)
    percent = staticmethod(percent)
    long_date = staticmethod(long_date)
    month_name = staticmethod(month_name)
    headline = staticmethod(headline)
    score_of = staticmethod(score_of)
    bars = staticmethod(bars)
    parts = staticmethod(parts)

    @staticmethod
    def modes(modes: list[str]) -> list[str]:
        return [gettext(MODE_LABELS[m]) for m in (modes or ALL_MODES) if m in MODE_LABELS]

    @staticmethod
    def reason(reason: str) -> str:
        return gettext(REASON_LABELS.get(reason, reason))


def language_of(page, wanted: str | None) -> str:
    """The language asked for when the survey has it, else the survey's first language."""
    return wanted if wanted in page.languages else page.languages[0]


def organisation(org_name: str, page, language: str) -> str:
    """The organisation's name as set; the survey's title when none is set."""
    return org_name or page.title.get(language) or page.slug


# ---- HTML ---------------------------------------------------------------------------------------


def _render(template: str, page, language: str, links: Links, org_name: str, **extra) -> str:
    with force_locale(language):
        org = organisation(org_name, page, language)
        return render_template(
            template,
            page=page,
            language=language,
            links=links,
            org=org,
            f=Formats,
            jsonld=jsonld(page, org, language) if template == "public/page.html" else "",
            **extra,
        )


def page_html(page, language: str, links: Links, org_name: str) -> str:
    """The public page: figures, the disclosure, the reviews of ``page.page``."""
    return _render("public/page.html", page, language, links, org_name)


def widget_html(page, language: str, links: Links, org_name: str) -> str:
    """The badge: the score and the number of reviews, linking to the page."""
    return _render("public/widget.html", page, language, links, org_name)


def widget_reviews_html(page, language: str, links: Links, org_name: str) -> str:
    """The latest reviews (``page`` fetched with ``per_page`` :data:`WIDGET_REVIEWS`)."""
    return _render("public/widget_reviews.html", page, language, links, org_name)


# ---- JSON-LD ------------------------------------------------------------------------------------


def jsonld_data(page, org: str, language: str) -> dict[str, Any]:
    """schema.org data of the page: an ``Organization`` with its ``aggregateRating`` (only when
    the score is shown, so never over fewer than k responses) and the reviews on the page.

    The rating is the mean of the score question on its own scale (an NPS question's 0-10
    answers too: schema.org has no NPS). A review's author is a ``Person``: the typed name, or
    "Anonymous" when none was typed (a customer wrote it; ``Organization`` would say we did)."""
    with force_locale(language):
        anonymous = gettext("Anonymous")
        marker = gettext("[removed]")
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": org,
    }
    figure = page.score
    if figure is not None and page.n is not None:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": round(figure.mean, 1),
            "bestRating": figure.scale[1],
            "worstRating": figure.scale[0],
            "ratingCount": figure.n,
            "reviewCount": page.review_count,
        }
    reviews = []
    for review in page.reviews:
        item: dict[str, Any] = {
            "@type": "Review",
            "datePublished": review.day,
            "author": {"@type": "Person", "name": review.name or anonymous},
        }
        body = review.plain("body", marker)
        if body:
            item["reviewBody"] = body
        title = review.plain("title", marker)
        if title:
            item["name"] = title
        if review.score is not None and page.score_scale:
            item["reviewRating"] = {
                "@type": "Rating",
                "ratingValue": review.score,
                "bestRating": page.score_scale[1],
                "worstRating": page.score_scale[0],
            }
        reviews.append(item)
    if reviews:
        data["review"] = reviews
    return data


def script_json(data: Any) -> Markup:
    """``data`` as JSON safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` left."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_SAFE)
    return Markup(text)  # noqa: S704 - JSON with every markup character escaped


def jsonld(page, org: str, language: str) -> Markup:
    return script_json(jsonld_data(page, org, language))


# ---- JSON Feed ----------------------------------------------------------------------------------


def feed(
    page,
    org_name: str,
    language: str,
    tz,
    home_page_url: str | None,
    feed_url: str | None,
) -> dict[str, Any]:
    """JSON Feed 1.1 of the latest reviews (``page`` fetched with ``per_page`` :data:`FEED_ITEMS`)
    and, in the extension ``_appliance``, the figures the gate showed (none while hidden).
    ``home_page_url`` and ``feed_url`` are absolute, or None when unknown (a static export
    without a site address); each item's id is stable: the page's address and the review id."""
    with force_locale(language):
        org = organisation(org_name, page, language)
        marker = gettext("[removed]")
        title = f"{org}: {page.title.get(language, '')}"
        items = []
        for review in page.reviews:
            item: dict[str, Any] = {
                "id": f"{home_page_url or page.slug}#review-{review.id}",
                "content_text": review.plain("body", marker),
                "date_published": datetime.combine(
                    date.fromisoformat(review.day), time(), tz
                ).isoformat(),
            }
            if home_page_url:
                item["url"] = f"{home_page_url}#review-{review.id}"
            headline_text = review.plain("title", marker)
            if headline_text:
                item["title"] = headline_text
            if review.name:
                item["authors"] = [{"name": review.name}]
            extra: dict[str, Any] = {"verified": review.verified}
            if review.score is not None:
                extra["score"] = review.score
            if review.reply:
                extra["reply"] = review.reply
                extra["replied_on"] = review.replied_on
            item["_appliance"] = extra
            items.append(item)
    data: dict[str, Any] = {"version": FEED_VERSION, "title": title}
    if home_page_url:
        data["home_page_url"] = home_page_url
    if feed_url:
        data["feed_url"] = feed_url
    data["language"] = language
    data["_appliance"] = aggregate(page)
    data["items"] = items
    return data


def aggregate(page) -> dict[str, Any]:
    """The figures as data: n and the score (with its distribution) when shown, else why not."""
    data: dict[str, Any] = {"k": page.k, "review_count": page.review_count}
    if page.n is None:
        data["hidden"] = page.hidden or None
        return data
    data["n"] = page.n
    if page.score is not None:
        data["score"] = _figure(page.score)
    data["ratings"] = [_figure(f) for f in page.ratings]
    return data


def _figure(figure) -> dict[str, Any]:
    data: dict[str, Any] = {
        "question": figure.id,
        "type": figure.type,
        "scale": list(figure.scale),
        "n": figure.n,
        "mean": round(figure.mean, 2),
        "distribution": {str(value): count for value, count in figure.distribution},
    }
    if figure.nps is not None:
        data["nps"] = figure.nps
        data["promoters"] = round(figure.promoters, 4)
        data["passives"] = round(figure.passives, 4)
        data["detractors"] = round(figure.detractors, 4)
    return data
