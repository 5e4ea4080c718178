"""Staff pages of a survey's publication: what to publish and under which address, publishing
and withdrawing, a preview of what the public sees, and the moderation of reviews (withhold for
a listed reason, restore, remove words, reply) with its log.

HTTP only: every decision is the service's (``appliance.publication.service``), whose refusals
are msgids shown in the user's language. The preview reads through the public gate, so staff
see exactly what the public sees, the minimum group size applied.
"""

from __future__ import annotations

import json
import math
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from appliance.auth.guard import requires
from appliance.i18n import N_
from appliance.licence import gate as licence_gate
from appliance.publication import moderation_service as moderation
from appliance.publication import service
from appliance.publication.forms import PublicationForm, suggest_slug
from appliance.publication.gate import NotFound, PublicGate, PublicPage
from appliance.surveys import service as surveys_service
from appliance.surveys.views import survey_or_404
from appliance.web import ID, actor, flash_reasons, get_db, setting, state

bp = Blueprint("publication", __name__, url_prefix="/surveys")
licence_gate.guard(bp, "publication")
PER_PAGE = 20
TABS = ("shown", "withheld")
REASON_LABELS = {
    "personal_data": _l("personal data of someone"),
    "offensive": _l("offensive or abusive"),
    "off_topic": _l("not about our organisation (off topic)"),
    "spam": _l("spam or advertising"),
}
ACTION_LABELS = {
    "withheld": _l("withheld"),
    "restored": _l("shown again"),
    "redacted": _l("words removed"),
    "replied": _l("reply written"),
    "reply_removed": _l("reply removed"),
}
# Why the preview shows no averages (``PublicPage.hidden``), msgids taking the minimum group size.
HIDDEN_REASONS = {
    "pending": N_(
        "The averages wait for the next release of the figures to the researcher: something "
        "changed since the last one."
    ),
    "few": N_("The averages are hidden: fewer than %(k)s responses are in the published scope."),
    "remainder": N_(
        "The averages are hidden: too few responses lie outside the published scope, or are "
        "not shown as reviews, so the figures could give them away."
    ),
}


@bp.context_processor
def labels():
    return {
        "reason_labels": REASON_LABELS,
        "action_labels": ACTION_LABELS,
        "long_day": long_day,
    }


def long_day(text: str | None) -> str:
    """An ISO day (or the day of an ISO time) written out as the reader expects it:
    "3 december 2026", "December 3, 2026"."""
    return format_date(date.fromisoformat(text[:10]), "long") if text else ""


def text_parts(text: str | None) -> list[tuple[str, bool]]:
    """A review's stored title or text as (text, cut) parts: each redaction marker
    (``service.REDACTED``) becomes one part with ``cut`` true, which the page shows as
    "[removed]". The parts are plain text, escaped by the template."""
    out: list[tuple[str, bool]] = []
    for i, piece in enumerate((text or "").split(service.REDACTED)):
        if i:
            out.append(("", True))
        if piece:
            out.append((piece, False))
    return out


def _cipher():
    return state().keys.cipher()


def _public_url(slug: str) -> str:
    """The public page's address, built from base_url (never from the request's Host)."""
    return f"{state().settings['base_url']}/public/{slug}"


# ---- what to publish ----------------------------------------------------------------------------


def _saved_form(row) -> PublicationForm:
    """The form filled with the saved choices, or with a first suggestion."""
    saved = service.choices_of(get_db(), row["id"])
    if saved is None:
        candidates = service.candidates(surveys_service.definition_of(row))
        first = candidates["score"][0][0] if candidates["score"] else ""
        return PublicationForm(
            data={"show": "averages", "score_question": first, "slug": suggest_slug(row["title"])}
        )
    slug, choices = saved
    show = {(True, False): "averages", (False, True): "reviews"}.get(
        (choices.show_averages, choices.show_reviews), "both"
    )
    return PublicationForm(
        data={
            "show": show,
            "score_question": choices.score_question or "",
            "rating_questions": choices.rating_questions,
            "text_question": choices.text_question or "",
            "title_question": choices.title_question or "",
            "name_question": choices.name_question or "",
            "from_date": choices.from_date,
            "modes": choices.modes,
            "slug": slug,
        }
    )


def _choices(form: PublicationForm) -> service.Choices:
    return service.Choices(
        show_averages=form.show.data in ("averages", "both"),
        show_reviews=form.show.data in ("reviews", "both"),
        score_question=form.score_question.data or None,
        rating_questions=list(form.rating_questions.data or []),
        text_question=form.text_question.data or None,
        title_question=form.title_question.data or None,
        name_question=form.name_question.data or None,
        from_date=form.from_date.data,
        modes=list(form.modes.data or []),
    )


def _preview(slug: str) -> PublicPage | None:
    """What the public sees of a published survey now (figures only), or None."""
    with PublicGate(state().db_path, setting("min_group_size"), _cipher()) as gate:
        try:
            return gate.page(slug, reviews=False)
        except NotFound:
            return None


def _score_text(page: PublicPage) -> str:
    """The published overall score as the reader writes numbers: "7,1" or "NPS +23"."""
    figure = page.score
    if figure is None:
        return ""
    if figure.nps is not None:
        return _("NPS %(nps)s", nps=format_decimal(round(figure.nps), format="+#,##0;-#,##0"))
    return format_decimal(figure.mean, format="#,##0.0")


def _page(row, form: PublicationForm, status: int = 200):
    conn = get_db()
    survey_id = row["id"]
    definition = surveys_service.definition_of(row)
    pub = service.publication(conn, survey_id)
    published = pub is not None and bool(pub["published"])
    preview = _preview(pub["slug"]) if published else None
    k = setting("min_group_size")
    return render_template(
        "publication/edit.html",
        survey=row,
        form=form,
        pub=pub,
        published=published,
        public_url=_public_url(pub["slug"]) if published else None,
        preview=preview,
        score_text=_score_text(preview) if preview else "",
        hidden_text=(_(HIDDEN_REASONS[preview.hidden], k=k) if preview and preview.hidden else ""),
        reviews_possible=service.consent_question(definition) is not None,
        totals=moderation.review_totals(conn, survey_id),
        k=k,
    ), status


@bp.route(f"/<{ID}:survey_id>/publication", methods=["GET", "POST"])
@requires("publication.manage")
def edit_publication(survey_id: int):
    row = survey_or_404(survey_id)
    form = PublicationForm() if request.method == "POST" else _saved_form(row)
    form.offer(service.candidates(surveys_service.definition_of(row)))
    if not form.validate_on_submit():
        return _page(row, form, status=400 if form.errors else 200)
    try:
        service.save(get_db(), actor(), survey_id, form.slug.data, _choices(form), _cipher())
    except service.PublicationError as exc:
        flash_reasons(exc.reasons)
        return _page(row, form, status=400)
    flash(_("Publication settings saved."), "success")
    return redirect(url_for("publication.edit_publication", survey_id=survey_id))


@bp.route(f"/<{ID}:survey_id>/publication/publish", methods=["POST"])
@requires("publication.manage")
def publish(survey_id: int):
    survey_or_404(survey_id)
    try:
        service.publish(get_db(), actor(), survey_id, _cipher())
    except service.PublicationError as exc:
        flash_reasons(exc.reasons)
    else:
        flash(_("Published: the public page shows what you chose."), "success")
    return redirect(url_for("publication.edit_publication", survey_id=survey_id))


@bp.route(f"/<{ID}:survey_id>/publication/withdraw", methods=["POST"])
@requires("publication.manage")
def withdraw(survey_id: int):
    """Take the publication down, once the box confirming it is ticked."""
    survey_or_404(survey_id)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm that the publication goes offline."), "error")
    else:
        service.withdraw(get_db(), actor(), survey_id)
        flash(_("Withdrawn: the public page, its figures and its reviews are offline."), "success")
    return redirect(url_for("publication.edit_publication", survey_id=survey_id))


# ---- moderation ---------------------------------------------------------------------------------


def _review(row, table: str) -> dict:
    """One review as the moderation page shows it (the typed name opened for staff)."""
    return {
        "id": row["id"],
        "day": row["day"],
        "score": row["score"],
        "title": text_parts(row["title"]),
        "body": text_parts(row["body"]),
        "name": moderation.open_name(_cipher(), table, row),
        "verified": bool(row["verified"]),
        "redactions": json.loads(row["redactions"]),
        "reply": row["reply"] or "",
        "replied_on": row["replied_on"],
        "reason": row["reason"] if table == "withheld_reviews" else None,
        "withheld_on": row["withheld_on"] if table == "withheld_reviews" else None,
    }


@bp.route(f"/<{ID}:survey_id>/publication/reviews")
@requires("publication.manage")
def moderate(survey_id: int):
    row = survey_or_404(survey_id)
    conn = get_db()
    tab = request.args.get("show", "shown")
    tab = tab if tab in TABS else "shown"
    totals = moderation.review_totals(conn, survey_id)
    pages = max(1, math.ceil(totals[tab] / PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    table = "withheld_reviews" if tab == "withheld" else "published_reviews"
    rows = moderation.reviews_for_staff(
        conn, survey_id, tab == "withheld", (page - 1) * PER_PAGE, PER_PAGE
    )
    return render_template(
        "publication/reviews.html",
        survey=row,
        tab=tab,
        totals=totals,
        page=page,
        pages=pages,
        first=(page - 1) * PER_PAGE + 1,
        reviews=[_review(r, table) for r in rows],
        reasons=service.REASONS,
    )


def _back(survey_id: int):
    """Back to the tab and page of the moderation page the form was sent from."""
    tab = request.form.get("show", "shown")
    page = request.form.get("page", 1, type=int)
    return redirect(
        url_for(
            "publication.moderate",
            survey_id=survey_id,
            show=tab if tab in TABS else "shown",
            page=page if page and page > 1 else None,
        )
    )


@bp.route(f"/<{ID}:survey_id>/publication/reviews/<{ID}:review_id>/withhold", methods=["POST"])
@requires("publication.manage")
def withhold_review(survey_id: int, review_id: int):
    survey_or_404(survey_id)
    reason = request.form.get("reason", "")
    try:
        moderation.withhold(get_db(), actor(), survey_id, review_id, reason, _cipher())
    except service.PublicationError as exc:
        flash_reasons(exc.reasons)
    else:
        flash(_("Review withheld: %(reason)s.", reason=REASON_LABELS[reason]), "success")
    return _back(survey_id)


@bp.route(f"/<{ID}:survey_id>/publication/reviews/<{ID}:review_id>/restore", methods=["POST"])
@requires("publication.manage")
def restore_review(survey_id: int, review_id: int):
    survey_or_404(survey_id)
    try:
        moderation.restore(get_db(), actor(), survey_id, review_id, _cipher())
    except service.PublicationError as exc:
        flash_reasons(exc.reasons)
    else:
        flash(_("The review is shown again."), "success")
    return _back(survey_id)


def _set_redactions(survey_id: int, review_id: int, change) -> bool:
    """Apply ``change`` (current phrases -> new phrases) to a review; False when refused."""
    conn = get_db()
    try:
        phrases = moderation.redactions_of(conn, survey_id, review_id)
        moderation.set_redactions(conn, actor(), survey_id, review_id, change(phrases))
    except service.PublicationError as exc:
        flash_reasons(exc.reasons)
        return False
    return True


@bp.route(f"/<{ID}:survey_id>/publication/reviews/<{ID}:review_id>/redact", methods=["POST"])
@requires("publication.manage")
def redact_review(survey_id: int, review_id: int):
    """Remove one more phrase from the review's public title and text."""
    survey_or_404(survey_id)
    phrase = request.form.get("phrase", "").strip()
    if not phrase:
        flash(_("Type the exact words to remove."), "error")
    elif _set_redactions(survey_id, review_id, lambda known: [*known, phrase]):
        flash(_("The words are removed from the public review."), "success")
    return _back(survey_id)


@bp.route(f"/<{ID}:survey_id>/publication/reviews/<{ID}:review_id>/unredact", methods=["POST"])
@requires("publication.manage")
def unredact_review(survey_id: int, review_id: int):
    """Show one removed phrase again."""
    survey_or_404(survey_id)
    phrase = request.form.get("phrase", "")
    if _set_redactions(survey_id, review_id, lambda known: [p for p in known if p != phrase]):
        flash(_("The words are shown again."), "success")
    return _back(survey_id)


@bp.route(f"/<{ID}:survey_id>/publication/reviews/<{ID}:review_id>/reply", methods=["POST"])
@requires("publication.manage")
def reply_review(survey_id: int, review_id: int):
    """The organisation's public reply; an empty one removes it."""
    survey_or_404(survey_id)
    text = request.form.get("reply", "")
    try:
        moderation.reply(get_db(), actor(), survey_id, review_id, text)
    except service.PublicationError as exc:
        flash_reasons(exc.reasons)
    else:
        flash(_("Reply saved.") if text.strip() else _("Reply removed."), "success")
    return _back(survey_id)


@bp.route(f"/<{ID}:survey_id>/publication/log")
@requires("publication.manage")
def moderation_log(survey_id: int):
    row = survey_or_404(survey_id)
    return render_template(
        "publication/log.html", survey=row, entries=moderation.moderation_log(get_db(), survey_id)
    )
