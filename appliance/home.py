"""Landing redirect per role and the health check."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from appliance.auth.guard import public, requires
from appliance.auth.roles import AUTHENTICATED
from appliance.db import ping
from appliance.web import get_db

bp = Blueprint("home", __name__)
LANDING = {"admin": "users.list_users", "staff": "reports.index", "researcher": "reports.index"}


@bp.route("/")
@requires(AUTHENTICATED)
def index():
    return redirect(url_for(LANDING[current_user.role]))


@bp.route("/healthz")
@public
def health():
    """For the reverse proxy and systemd: 200 when the database answers. Reveals nothing else."""
    ping(get_db())
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
