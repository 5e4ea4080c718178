"""What the researcher saw and tried: every report view, export and sign-in of external
researchers, and every request refused to them (``appliance.auth.refusals``), for the client
(admin and staff) to check (promise 14). Read from the audit log."""

from __future__ import annotations

import json

from flask import Blueprint, render_template, request

from appliance import audit
from appliance.auth import refusals
from appliance.auth import service as auth_service
from appliance.auth.guard import requires
from appliance.surveys import service as surveys_service
from appliance.web import get_db

bp = Blueprint("researchers", __name__, url_prefix="/researchers")


@bp.route("/activity")
@requires("researchers.watch")
def researcher_activity():
    conn = get_db()
    researchers = [u for u in auth_service.list_users(conn) if u.role == "researcher"]
    chosen = request.args.get("user", type=int)
    ids = [u.id for u in researchers if chosen in (None, u.id)]
    entries = [
        {**dict(row), "details": json.loads(row["details"])}
        for row in audit.by_actors(conn, ids, limit=1000)
    ]
    return render_template(
        "reports/activity.html",
        researchers=researchers,
        grants={u.id: auth_service.granted_survey_ids(conn, u.id) for u in researchers},
        chosen=chosen,
        entries=entries,
        titles={r["id"]: r["title"] for r in surveys_service.titles(conn)},
        refused=refusals.ACTION,
        reasons=refusals.REASONS,
    )
