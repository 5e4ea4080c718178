"""Staff download of blank paper questionnaires (PDF), per language."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_babel import gettext as _

from appliance.auth.guard import requires
from appliance.licence import gate as licence_gate
from appliance.paper import service
from appliance.paper.texts import Facts
from appliance.web import ID, get_db

bp = Blueprint("paper", __name__, url_prefix="/surveys")
licence_gate.guard(bp, "paper")


@bp.route(f"/<{ID}:survey_id>/paper/form.pdf")
@requires("surveys.manage")
def form_pdf(survey_id: int):
    """``?lang=nl&copies=N``: N identical forms without a code, to hand out or lay out
    (default: one, in the survey's first language)."""
    language = request.args.get("lang") or None
    copies = request.args.get("copies", "1")
    if not (copies.isascii() and copies.isdigit()):
        abort(400)
    try:
        body = service.blank_forms(get_db(), survey_id, language, int(copies), Facts.current())
    except service.PaperError as exc:
        return Response(_(exc.reason), status=400, mimetype="text/plain")
    if body is None:
        abort(404)
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="paper-form-{survey_id}-{language or "first"}.pdf"'
            )
        },
    )
