"""The public privacy statement (for respondents, no cookies) and the record of processing
activities (GDPR article 30, for admin and staff), both generated from the settings."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import force_locale

from appliance.auth.guard import public, requires
from appliance.privacy import record, record_pdf, statement
from appliance.responses.flow import Channel
from appliance.surveys import service as surveys_service
from appliance.web import get_db, setting, state

bp = Blueprint("statement", __name__)


def _kiosk_channel(key: str | None) -> Channel | None:
    """Opened from a kiosk's survey: the page goes back to it after the kiosk's idle time, as
    the survey pages do, so a tablet is never left on the statement."""
    device = surveys_service.kiosk_by_key(get_db(), state().keys.hasher(), key) if key else None
    if device is None:
        return None
    return Channel("kiosk", reset_url=f"/k/{key}", idle_seconds=device["idle_seconds"])


@bp.route("/privacy")
@public
def show():
    language = statement.language(
        request.args.get("lang"), request.accept_languages, setting("default_language")
    )
    facts = statement.facts(get_db(), setting, state().tz)
    channel = _kiosk_channel(request.args.get("kiosk"))
    with force_locale(language):
        page = render_template(
            f"privacy/statement_{language}.html",
            definition=None,
            language=language,
            facts=facts,
            channel=channel,
            kiosk_key=request.args.get("kiosk") if channel else None,
        )
    response = current_app.make_response(page)
    response.headers["Content-Language"] = language
    response.vary.add("Accept-Language")
    return response


def _record_of_processing() -> record.Record:
    return record.build(get_db(), setting, datetime.now(state().tz))


@bp.route("/compliance/record", endpoint="record")
@requires("privacy.oversee")
def record_page():
    return render_template("privacy/record.html", record=_record_of_processing())


@bp.route("/compliance/record.pdf", endpoint="record_pdf")
@requires("privacy.oversee")
def record_pdf_download():
    current = _record_of_processing()
    name = f"record-of-processing-{current.generated[:10]}.pdf"
    return Response(
        record_pdf.render(current),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
