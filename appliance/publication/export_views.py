"""Staff download the static export of a published survey (see ``publication.export``).

POST with the CSRF token (it is recorded, and supersedes earlier exports on the retention
page). An unpublished survey has nothing to export: staff return to its publication page.
"""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from appliance.auth.guard import requires
from appliance.licence import gate as licence_gate
from appliance.publication import export, service
from appliance.publication import moderation_service as moderation
from appliance.web import ID, actor, get_db

bp = Blueprint("publication_export", __name__, url_prefix="/surveys")
licence_gate.guard(bp, "publication")
# Where the files will be served, for the feed's absolute links: http(s), no spaces or quotes.
SITE_URL = re.compile(r"^https?://[^\s\"'<>]{1,300}$")


@bp.route(f"/<{ID}:survey_id>/publication/export", methods=["POST"])
@requires("publication.manage")
def export_zip(survey_id: int):
    """The zip of the public page, feed, widgets and CSS, as a download."""
    conn = get_db()
    pub = service.publication(conn, survey_id)
    site_url = request.form.get("site_url", "").strip()
    if pub is None or not pub["published"]:
        flash(_("Publish first: an export holds what the public page shows."), "error")
        return redirect(url_for("publication.edit_publication", survey_id=survey_id))
    try:
        _survey, data = export.archive(pub["slug"], site_url if SITE_URL.match(site_url) else None)
    except export.NotFound:
        abort(404)
    moderation.record_export(conn, actor(), survey_id)
    response = current_app.response_class(data, mimetype="application/zip")
    name = f"{pub['slug']}-{date.today().isoformat()}.zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
