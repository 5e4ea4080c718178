"""Staff's download of a post campaign's letters: one PDF per wave, made on demand.

The PDF holds names and addresses: it is sent to the browser as an attachment that is not to
be cached, and never written anywhere. The download is a POST (CSRF token, ``mailings.manage``)
because it builds the invitation wave the first time and is recorded and audited each time.
"""

from __future__ import annotations

from flask import Response, abort, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from appliance.auth.guard import requires
from appliance.mailing import post_service, service
from appliance.mailing.blueprint import bp
from appliance.mailing.service import CampaignError
from appliance.paper import letters
from appliance.paper import service as paper_service
from appliance.paper.texts import Facts
from appliance.web import ID, actor, flash_reasons, get_db, setting, state

# A post campaign's letters are the paper module's; the rest of the mailing pages are not.


def letter_texts(language: str) -> letters.LetterTexts:
    """The fixed texts of a letter, translated into ``language``."""
    with force_locale(language):
        return letters.LetterTexts(
            answer_heading=_(letters.ANSWER_HEADING),
            answer_how=_(letters.ANSWER_HOW),
            opt_out=_(letters.OPT_OUT),
            date_label=_(letters.DATE_LABEL),
        )


def paper_form_hook(campaign) -> letters.Extra | None:
    """When staff ask for it, the paper questionnaire after each letter, with its code."""
    if request.form.get("with_form") != "yes":
        return None
    return paper_service.letter_forms(get_db(), campaign["survey_id"], Facts.current())


@bp.route(f"/<{ID}:campaign_id>/letters/<int:wave>", methods=["POST"])
@requires("mailings.manage")
def download_letters(campaign_id: int, wave: int):
    campaign = service.get_campaign(get_db(), campaign_id)
    if campaign is None:
        abort(404)
    values = {
        name: setting(name) for name in ("base_url", "organisation_name", "organisation_address")
    }
    try:
        produced = post_service.produce(
            get_db(),
            actor(),
            state().keys,
            values,
            campaign_id,
            wave,
            letter_texts,
            k=setting("min_group_size"),
            extra=paper_form_hook(campaign),
        )
    except CampaignError as exc:
        flash_reasons(exc.reasons)
        return redirect(url_for("mailing.show_campaign", campaign_id=campaign_id))
    name = f"letters-{campaign_id}-{'invitation' if wave == 0 else f'reminder-{wave}'}.pdf"
    return Response(
        produced.pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
