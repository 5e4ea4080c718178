"""Static export: the whole public side of one publication as a zip of plain files, for an
organisation that would rather put files on its own web server than expose the appliance.

Contract: the files are rendered through the same public gate and templates as the live pages
(:mod:`appliance.publication.render`), so they show exactly what ``/public/<slug>`` shows at
the moment of the export, k applied, nothing withheld, every cut marked. Links between them are
relative. Per language (the survey's first language without a suffix, the others with
``.<lang>`` before the extension):

- ``index.html``, ``page-2.html`` ...: the page with every page of reviews;
- ``score-9.html``, ``score-9-page-2.html`` ...: the reviews of each score;
- ``feed.json``: the JSON Feed; ``widget.html`` and ``widget-reviews.html``: the widgets;

and the CSS (``public.css``). An export goes stale when a typed name is erased, a review is
withheld or the publication is withdrawn: the retention page lists it until a new one is made
(``moderation_service.record_export`` / ``moderation_service.stale_exports``). Needs an app
context (templates).
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from pathlib import Path

from appliance.crypto import FieldCipher
from appliance.publication import render
from appliance.publication.gate import NotFound, PublicGate
from appliance.web import setting, state

__all__ = ["NotFound", "archive", "build"]

ASSETS = Path(__file__).resolve().parents[2] / "static" / "public"


def build(
    db_path: str | Path,
    k: int,
    cipher: FieldCipher,
    slug: str,
    *,
    org_name: str,
    tz,
    site_url: str | None = None,
) -> tuple[int, bytes]:
    """(survey id, the zip's bytes) of the publication at ``slug``; raises NotFound when nothing
    is published there. ``site_url`` is where the files will be served (for the feed's
    absolute addresses); without it the feed leaves them out."""
    files: dict[str, bytes] = {}
    with PublicGate(db_path, k, cipher) as gate:
        first = gate.page(slug)
        links = render.FileLinks(first.languages[0])

        def add(name: str, text: str) -> None:
            files[name] = text.encode()

        for language in first.languages:
            for score in (None, *sorted(first.score_counts)):
                number, pages = 1, 1
                while number <= pages:
                    shown = gate.page(slug, page=number, score=score)
                    pages = shown.pages
                    add(
                        links.page(language, number, score),
                        render.page_html(shown, language, links, org_name),
                    )
                    number += 1
            latest = gate.page(slug, per_page=render.FEED_ITEMS)
            home = f"{site_url}/{links.page(language)}" if site_url else None
            feed_url = f"{site_url}/{links.feed(language)}" if site_url else None
            data = render.feed(latest, org_name, language, tz, home, feed_url)
            add(links.feed(language), json.dumps(data, ensure_ascii=False, indent=1))
            suffix = links.feed(language).removeprefix("feed").removesuffix(".json")
            badge = gate.page(slug, reviews=False)
            add(f"widget{suffix}.html", render.widget_html(badge, language, links, org_name))
            few = gate.page(slug, per_page=render.WIDGET_REVIEWS)
            add(
                f"widget-reviews{suffix}.html",
                render.widget_reviews_html(few, language, links, org_name),
            )
    for path in sorted(ASSETS.rglob("*")):
        if path.is_file():
            files[path.relative_to(ASSETS).as_posix()] = path.read_bytes()
    buffer = io.BytesIO()
    stamp = datetime.now(tz).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive_file:
        for name, content in files.items():
            archive_file.writestr(zipfile.ZipInfo(name, stamp), content, zipfile.ZIP_DEFLATED)
    return first.survey_id, buffer.getvalue()


def archive(slug: str, site_url: str | None = None) -> tuple[int, bytes]:
    """:func:`build` with the running app's database, keys, k and organisation name."""
    return build(
        state().db_path,
        setting("min_group_size"),
        state().keys.cipher(),
        slug,
        org_name=setting("organisation_name"),
        tz=state().tz,
        site_url=site_url.rstrip("/") if site_url else None,
    )
