"""The unsubscribe page. Opening the link (GET) only asks for confirmation, so mail scanners that
follow links unsubscribe nobody; the button, or a mail program's RFC 8058 one-click POST (no
cookies, no session), puts the address's keyed hash on the organisation-wide suppression list."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import force_locale

from appliance.auth.guard import public
from appliance.mailing import service
from appliance.settings import LANGUAGES
from appliance.web import get_db, setting, state

bp = Blueprint("unsubscribe", __name__)


@bp.route("/u/<token>", methods=["GET", "POST"])
@public
def unsubscribe_page(token: str):
    keys = state().keys
    found = service.unsubscribe_target(keys.session, keys.hasher(), token)
    if found is None:
        return render_template("respondent/unknown.html"), 404
    address_hash, language = found
    language = language if language in LANGUAGES else LANGUAGES[0]
    done = None
    if request.method == "POST":
        done = service.confirm_unsubscribe(get_db(), address_hash)
    with force_locale(language):
        return render_template(
            "respondent/unsubscribe.html",
            definition=None,
            language=language,
            organisation=setting("organisation_name"),
            done=done,
        )
