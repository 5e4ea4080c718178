"""Face-to-face interviews on a tablet (``interviews.conduct``).

The interview page is a small client-side app (``static/interview-onsite.js``): location, the
consent line, the questions by keyboard (``static/paper-entry.js``), a summary, the closing
text and the next interview, without a reload. Each confirmed interview is kept on the device
until the server confirms it (:func:`submit`), and sent again when the connection is back; a
fresh CSRF token is fetched before each sending round (:func:`token`), since a tablet stays on
the page longer than a token lives.
"""

from __future__ import annotations

from datetime import date

from flask import abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from appliance.auth.guard import requires
from appliance.interviews import interview_service, onsite_service, setup_service
from appliance.interviews.blueprint import bp
from appliance.interviews.interview_views import words, writing
from appliance.paper import entry_keys
from appliance.surveys import service as surveys_service
from appliance.web import ID, actor, get_db

ACTION = "interviews.conduct"


def _survey_or_404(survey_id: int):
    row = onsite_service.survey_for(get_db(), actor().id, survey_id)
    if row is None:
        abort(404)
    return row


@bp.route(f"/onsite/<{ID}:survey_id>")
@requires(ACTION)
def onsite_start(survey_id: int):
    """The interview app, in the language asked for (``lang``; the survey's first by default)."""
    row = _survey_or_404(survey_id)
    conn = get_db()
    definition = surveys_service.definition_of(row)
    language = request.args.get("lang", "")
    if language not in definition.languages:
        language = definition.languages[0]
    script = setup_service.scripts(conn, survey_id, [language])[language]
    return render_template(
        "interviews/onsite.html",
        survey=row,
        definition=definition,
        language=language,
        fields=interview_service.fields(definition, language, invited=False, words=words(language)),
        script_data=entry_keys.script_data,
        values={},
        errors={},
        locations=setup_service.open_locations(conn, survey_id),
        consent=script.consent,
        closing=script.closing,
        accepting=surveys_service.accepting(row, date.today()),
    )


@bp.route(f"/onsite/<{ID}:survey_id>/token")
@requires(ACTION)
def onsite_token(survey_id: int):
    """A fresh CSRF token for the next sending round (JSON)."""
    _survey_or_404(survey_id)
    return jsonify(csrf=generate_csrf())


@bp.route(f"/onsite/<{ID}:survey_id>/interviews", methods=["POST"])
@requires(ACTION)
def onsite_submit(survey_id: int):
    """One interview as JSON (see ``onsite_service.submit``): 200 with ``{"stored": true}``
    once it is on disk, else 400 or 409 with ``{"error": message}``."""
    row = _survey_or_404(survey_id)
    payload = request.get_json(silent=True)
    try:
        onsite_service.submit(get_db(), writing(), actor().id, row, payload, date.today())
    except onsite_service.Refused as refused:
        return jsonify(error=_(refused.reason, question=refused.detail)), refused.status
    return jsonify(stored=True)
