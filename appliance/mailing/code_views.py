"""The public pages for the short code of a letter: ``/c`` to answer online, ``/u`` to opt out.

Like every respondent page: no cookies, no session, no CSRF token (there is no session to
forge a request for; the code is the authority). A GET shows the form, a POST takes the code.
A code found at ``/c`` sends the browser on to the invitation's own link (``/i/<token>``), which
decides whether the survey can still be answered. A wrong code gets one neutral message that
says nothing about whether such a code exists. Both pages share one in-memory limit (the
pattern of ``responses.limits``): at most :data:`PER_CLIENT` tries a minute from one client and
:data:`PER_MINUTE` from everybody together.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale

from appliance.auth.guard import public
from appliance.mailing import post_service
from appliance.responses.limits import OpenLinkLimit
from appliance.settings import LANGUAGES
from appliance.web import client_address, get_db, setting, state

bp = Blueprint("codes", __name__)
LIMIT_KEY = "letter_code_limit"
PER_CLIENT = 10
PER_MINUTE = 600
MAX_TYPED = 40


@bp.record_once
def _make_limit(setup) -> None:
    setup.app.extensions[LIMIT_KEY] = OpenLinkLimit(PER_CLIENT, PER_MINUTE)


def _language() -> str:
    wanted = request.args.get("lang", "")
    return wanted if wanted in LANGUAGES else LANGUAGES[0]


def _page(template: str, language: str, status: int = 200, **values):
    with force_locale(language):
        return render_template(
            template,
            definition=None,
            language=language,
            organisation=setting("organisation_name"),
            **values,
        ), status


def _typed() -> str | None:
    """The code from the form, or None when the limit is reached (counted either way)."""
    limit: OpenLinkLimit = current_app.extensions[LIMIT_KEY]
    if not limit.allow(0, client_address()):
        return None
    return request.form.get("code", "")[:MAX_TYPED]


@bp.route("/c", methods=["GET", "POST"])
@public
def answer():
    language = _language()
    if request.method == "GET":
        return _page("respondent/code.html", language)
    typed = _typed()
    if typed is None:
        return _page("respondent/code.html", language, 429, problem="busy")
    token = post_service.find_by_code(get_db(), state().keys, typed)
    if token is None:
        return _page("respondent/code.html", language, 400, problem="unknown")
    return redirect(url_for("respond.invitation_link", token=token), 303)


@bp.route("/u", methods=["GET", "POST"])
@public
def opt_out():
    language = _language()
    if request.method == "GET":
        return _page("respondent/code_optout.html", language, done=None)
    typed = _typed()
    if typed is None:
        return _page("respondent/code_optout.html", language, 429, done=None, problem="busy")
    found = post_service.opt_out_by_code(get_db(), state().keys, typed)
    if found is None:
        return _page("respondent/code_optout.html", language, 400, done=None, problem="unknown")
    done, own = found
    return _page("respondent/code_optout.html", own if own in LANGUAGES else language, done=done)
