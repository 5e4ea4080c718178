"""The unsubscribe page. Opening the link (GET) only asks for confirmation, so mail scanners that
follow links unsubscribe nobody; the button, or a mail program's RFC 8058 one-click POST (no
cookies, no session), puts the address's keyed hash on the organisation-wide suppression list."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import force_locale

from appliance.auth.guard import public
from appliance.db import transaction
from appliance.mailing import unsubscribe
from appliance.privacy import suppression
from appliance.settings import LANGUAGES
from appliance.web import get_db, setting, state

bp = Blueprint("unsubscribe", __name__)


@bp.route("/u/<token>", methods=["GET", "POST"])
@public
def unsubscribe_page(token: str):
    found = unsubscribe.read(state().keys.session, token)
    if found is None:
        return render_template("respondent/unknown.html"), 404
    address_hash, language, generation = found
    hasher = state().keys.hasher()
    if generation < hasher.generation:
        # Mailed before a key rotation: the list now holds this hash as the newer keys make it.
        address_hash = hasher.forward(address_hash, generation)
    language = language if language in LANGUAGES else LANGUAGES[0]
    done = None
    if request.method == "POST":
        conn = get_db()
        with transaction(conn):
            done = suppression.add(conn, [address_hash], "unsubscribe") == 1
    with force_locale(language):
        return render_template(
            "respondent/unsubscribe.html",
            definition=None,
            language=language,
            organisation=setting("organisation_name"),
            done=done,
        )
