"""The start page of each role (where signing in lands) and the health check.

Staff see what needs doing today, the admin sees the system's health, and the researcher sees
the surveys granted to her and how long her access lasts, read through the aggregate gate alone
(its grants and survey titles; never a response), which only the report views open
(:func:`appliance.reports.views.researcher_start`). The interviewer goes straight to the
interviews area.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appliance import audit
from appliance.admin import service as admin_service
from appliance.auth.guard import public, requires
from appliance.auth.roles import AUTHENTICATED
from appliance.db import ping, utcnow
from appliance.mailing.views import local_time, status_labels
from appliance.privacy import register
from appliance.reports import views as report_views
from appliance.startpage import service
from appliance.web import get_db, state

bp = Blueprint("home", __name__)


@bp.context_processor
def helpers():
    return {
        "local_time": local_time,
        "campaign_status_labels": status_labels(),
        "kind_labels": {k: _(v) for k, v in register.KINDS.items()},
    }


@bp.route("/")
@requires(AUTHENTICATED)
def index():
    return START[current_user.role]()


def _staff():
    conn = get_db()
    settings = admin_service.effective_settings(conn, state().settings)
    today = datetime.now(state().tz).date()
    return render_template(
        "home/staff.html", start=service.staff_start(conn, settings, today), today=today
    )


def _admin():
    conn = get_db()
    start = service.admin_start(
        conn,
        admin_service.effective_settings(conn, state().settings),
        str(state().db_path),
        audit.public_key_of(state().keys.signer()),
        state().tz,
    )
    return render_template("home/admin.html", start=start, backup=start.backup)


def _researcher():
    surveys = report_views.researcher_start()
    today = utcnow().astimezone(state().tz).date()
    until = current_user.valid_until
    days_left = (datetime.fromisoformat(until).date() - today).days + 1 if until else None
    return render_template("home/researcher.html", surveys=surveys, days_left=days_left)


def _interviewer():
    # The interviewer's work is the interviews area; a start page of its own would only repeat it.
    return redirect(url_for("interviews.home"))


START = {
    "admin": _admin,
    "staff": _staff,
    "researcher": _researcher,
    "interviewer": _interviewer,
}


@bp.route("/healthz")
@public
def health():
    """For the reverse proxy and systemd: 200 when the database answers. Reveals nothing else."""
    ping(get_db())
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
