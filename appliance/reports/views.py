"""Report pages for staff and the researcher. Imports only the gate for data."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from appliance.auth.guard import requires
from appliance.reports.gate import Gate
from appliance.web import actor, get_db, setting, state

bp = Blueprint("reports", __name__, url_prefix="/reports")


def open_gate() -> Gate:
    """The gate for the current viewer: a researcher sees only the surveys granted to them."""
    researcher = current_user.id if current_user.role == "researcher" else None
    return Gate(state().db_path, setting("min_group_size"), researcher)


@bp.route("/")
@requires("reports.read")
def index():
    with open_gate() as gate:
        surveys = gate.surveys()
    if current_user.role == "researcher":
        actor().log(
            get_db(), "report.viewed", "reports", view="index", surveys=[s.id for s in surveys]
        )
    return render_template("reports/index.html", surveys=surveys, k=setting("min_group_size"))
