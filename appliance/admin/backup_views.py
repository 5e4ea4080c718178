"""Backups as the admin sees them: the last ones with size and result, the next nightly run,
and a warning on every admin page when backups are off, failed or late."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from appliance.admin import service as admin_service
from appliance.auth.guard import requires
from appliance.auth.roles import allows
from appliance.backup import jobs
from appliance.backup import status as backup_status
from appliance.web import get_db, state

bp = Blueprint("backups", __name__, url_prefix="/admin/backups")
# The admin's pages: where the banner shows (the admin sees no other pages than these).
BANNER_ACTION = "settings.manage"


def _status() -> backup_status.BackupStatus:
    conn = get_db()
    return backup_status.status(conn, admin_service.effective_settings(conn, state().settings))


@bp.route("/")
@requires("settings.manage")
def show_backups():
    settings = state().settings
    return render_template(
        "admin/backups.html",
        backup=_status(),
        folder=str(jobs.backup_dir(settings)),
        keep=settings["backup_keep"],
    )


@bp.app_context_processor
def banner():
    def backup_warning() -> str | None:
        """OFF, FAILED or STALE for an admin's page (the banner), else None."""
        if not current_user.is_authenticated or not allows(current_user.role, BANNER_ACTION):
            return None
        problem = _status().problem
        return None if problem == backup_status.NONE_YET else problem

    return {"backup_warning": backup_warning}
