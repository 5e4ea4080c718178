"""The interviewer's pages for telephone campaigns (``interviews.conduct``): their start page
(the campaigns and face-to-face surveys assigned to them), "Next call", and the call screen
with the contact in hand and the outcome form.

An interviewer sees only the contact of the call they hold; any other call, and any campaign
of a survey not assigned to them, is "not found" (404), so nothing says whether it exists.
"""

from __future__ import annotations

import time
from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from appliance import formats
from appliance.auth.guard import requires
from appliance.interviews import calls_service, onsite_service
from appliance.interviews.blueprint import bp
from appliance.interviews.forms import NextCallForm, OutcomeForm
from appliance.interviews.outcomes import RECORDABLE
from appliance.web import ID, actor, flash_reasons, get_db, state

ACTION = "interviews.conduct"


def _endpoint(name: str) -> bool:
    """Whether the page ``name`` exists in this build (the interview pages are their own)."""
    return name in current_app.view_functions


@bp.route("/")
@requires(ACTION)
def home():
    """The campaigns to call for, with the number of calls left, and the surveys to interview
    for face to face."""
    conn, me = get_db(), actor().id
    onsite = onsite_service.assigned(conn, me) if _endpoint("interviews.onsite_start") else []
    return render_template(
        "interviews/home.html",
        campaigns=calls_service.campaigns_for(conn, me),
        onsite=onsite,
        form=NextCallForm(),
        number=format_decimal,
    )


def _hand_out(campaign_id: int):
    """Redirect to the next call of the campaign, or home with "No one to call right now"."""
    conn = get_db()
    try:
        call_id = calls_service.next_call(
            conn, state().keys, actor().id, campaign_id, time.time(), tz=state().tz
        )
    except calls_service.NotYours:
        abort(404)
    if call_id is not None:
        return redirect(url_for("interviews.call"))
    upcoming = calls_service.next_appointment(conn, campaign_id)
    if upcoming is not None:
        flash(
            _(
                "No one to call right now. The next appointment is at %(t)s.",
                t=formats.epoch(upcoming),
            ),
            "warning",
        )
    else:
        flash(_("No one to call right now."), "warning")
    return redirect(url_for("interviews.home"))


@bp.route(f"/campaigns/<{ID}:campaign_id>/next", methods=["POST"])
@requires(ACTION)
def next_call(campaign_id: int):
    if not NextCallForm().validate_on_submit():
        abort(400)
    return _hand_out(campaign_id)


def _outcome_choices(form: OutcomeForm) -> None:
    form.outcome.choices = [SelectChoice(o.code, f"{_(o.label)} ({o.aapor})") for o in RECORDABLE]


def _appointment(form: OutcomeForm) -> float | None:
    """The appointment's date and time as epoch in the appliance's time zone, or None."""
    if form.appointment_date.data is None or form.appointment_time.data is None:
        return None
    moment = datetime.combine(form.appointment_date.data, form.appointment_time.data)
    return moment.replace(tzinfo=state().tz).timestamp()


def not_in_hand():
    """Back to the start page: the call on the screen is no longer the interviewer's."""
    flash(_("You hold no call now: ask for the next one."), "warning")
    return redirect(url_for("interviews.home"))


@bp.route("/call", methods=["GET", "POST"])
@requires(ACTION)
def call():
    """The call in hand: who to call, and the outcome form ("Save" goes home, "Save and next
    call" straight to the next one). The form names its call, so an outcome is never recorded
    for another call than the one on the screen."""
    conn, me = get_db(), actor().id
    call_id = calls_service.held_call(conn, me)
    in_hand = None if call_id is None else calls_service.in_hand(conn, state().keys, me, call_id)
    if in_hand is None:
        return not_in_hand()
    form = OutcomeForm(call=call_id)
    _outcome_choices(form)
    if form.is_submitted() and form.call.data != call_id:
        return not_in_hand()
    if form.validate_on_submit():
        try:
            calls_service.record(
                conn,
                state().keys,
                me,
                call_id,
                form.outcome.data,
                actor=actor(),
                appointment_at=_appointment(form),
                do_not_call=form.do_not_call.data,
                now=time.time(),
                tz=state().tz,
            )
        except calls_service.NotYours:
            abort(404)
        except calls_service.CallError as exc:
            flash_reasons(exc.reasons)
        else:
            flash(_("Outcome saved."), "success")
            if request.form.get("then") == "next":
                return _hand_out(in_hand.campaign_id)
            return redirect(url_for("interviews.home"))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "interviews/call.html",
        call=in_hand,
        form=form,
        interview_url=url_for("interviews.interview")
        if _endpoint("interviews.interview")
        else None,
        number=format_decimal,
        when=formats.epoch,
    ), status
