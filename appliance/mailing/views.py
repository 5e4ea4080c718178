"""Staff pages for campaigns: list, create (with the recipients counted first), follow progress
live, pause, resume, cancel, bring a reminder forward. Sending itself happens in the scheduler."""

from __future__ import annotations

import time

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _

from appliance import formats
from appliance.auth.guard import requires
from appliance.contacts import service as contacts_service
from appliance.interviews import calls_service, phone_campaign
from appliance.licence import gate as licence_gate
from appliance.mailing import (
    build,
    post_build,
    post_service,
    problems,
    send_service,
    service,
    template_service,
)
from appliance.mailing.blueprint import bp
from appliance.mailing.forms import CampaignForm
from appliance.planes import open_contact_field
from appliance.surveys import service as surveys_service
from appliance.web import ID, actor, flash_reasons, get_db, setting, state


def status_labels() -> dict[str, str]:
    return {
        "scheduled": _("scheduled"),
        "active": _("running"),
        "paused": _("paused"),
        "cancelled": _("cancelled"),
        "done": _("done"),
    }


def phase_label(phase: service.Phase) -> str:
    """The status badge: what the campaign is really doing now."""
    if phase.key == "scheduled":
        return _("scheduled for %(t)s", t=local_time(phase.at))
    if phase.key == "waiting_reminder":
        return _("waiting for reminder on %(t)s", t=local_time(phase.at))
    return {
        "sending": _("sending"),
        "finishing": _("all sent"),
        **status_labels(),
    }[phase.key]


@bp.context_processor
def labels():
    return {
        "campaign_status_labels": status_labels(),
        "local_time": local_time,
        "number": format_decimal,
        "percent": lambda fraction: format_percent(fraction, format="#,##0%"),
    }


local_time = formats.epoch


def _translated(message: str) -> str:
    """A campaign message: a msgid of ours, a relay problem (translated, its technical detail
    as it came), or a relay's own words (shown as they are)."""
    return problems.explain(message)


def _message_kind(message: str) -> str:
    """``warning`` for a campaign that waits on something ordinary, ``error`` for a relay
    problem: the flash style the message is shown in."""
    ordinary = (send_service.WAITING, send_service.NOBODY, send_service.CLOSED)
    return "warning" if message in ordinary else "error"


def _campaign_or_404(campaign_id: int):
    row = service.get_campaign(get_db(), campaign_id)
    if row is None:
        abort(404)
    return row


@bp.route("/")
@requires("mailings.manage")
def list_campaigns():
    conn = get_db()
    rows = service.list_campaigns(conn)
    return render_template(
        "mailing/index.html",
        campaigns=rows,
        phases={
            # A telephone campaign sends nothing: its status is what it is doing.
            r["id"]: status_labels()[r["status"]]
            if r["channel"] == "phone"
            else phase_label(service.phase(r, service.progress(conn, r["id"])))
            for r in rows
        },
    )


def _choices(form: CampaignForm) -> None:
    conn = get_db()
    form.survey_id.choices = [
        (r["id"], r["title"]) for r in surveys_service.titles(conn, include_closed=False)
    ]
    # No list is chosen for staff: a silent default once sent a campaign to a test list.
    form.list_id.choices = [("", _("Choose a list…"))] + [
        (r["id"], _list_label(r["name"], r["contacts"]))
        for r in contacts_service.lists_with_counts(conn)
    ]
    templates = [(r["id"], r["name"]) for r in template_service.list_templates(conn)]
    form.template_id.choices = templates
    # Post and telephone are offered only with their module (the service refuses them too).
    form.channel.choices = [
        c for c in form.channel.choices if licence_gate.channel_offered(c.value)
    ]
    form.reminder_template_id.choices = [(0, _("the invitation template"))] + templates
    if not form.is_submitted():
        by_name = {name: i for i, name in templates}
        form.template_id.data = by_name.get("Uitnodiging / Invitation")
        form.reminder_template_id.data = by_name.get("Herinnering / Reminder", 0)


def _list_label(name: str, contacts: int) -> str:
    if contacts == 1:
        return _("%(name)s (1 contact)", name=name)
    return _("%(name)s (%(n)s contacts)", name=name, n=format_decimal(contacts))


def _segment_filter(available: dict[str, list[str]]) -> dict[str, list[str]]:
    """The ticked segment values, limited to what the list really has."""
    chosen = {}
    for attr, values in available.items():
        ticked = [v for v in request.form.getlist(f"seg:{attr}") if v in values]
        if ticked:
            chosen[attr] = ticked
    return chosen


def _send_at(form: CampaignForm) -> float | None:
    if form.when.data != "later":
        return time.time()
    if form.send_at.data is None:
        return None
    return form.send_at.data.replace(tzinfo=state().tz).timestamp()


def _plan(form: CampaignForm, send_at: float, chosen: dict, confirmed: int | None):
    phone = form.channel.data == "phone"
    return service.Plan(
        name=form.name.data,
        survey_id=form.survey_id.data,
        list_id=form.list_id.data,
        template_id=form.template_id.data,
        reminder_template_id=form.reminder_template_id.data or None,
        send_at=send_at,
        # A telephone campaign calls in one wave: no reminders.
        reminders=0 if phone else form.reminders.data,
        reminder_days=form.reminder_days.data,
        segment_filter=chosen,
        confirmed_recipients=confirmed,
        channel=form.channel.data or "email",
        phone=phone_campaign.PhoneRules(
            max_attempts=form.max_attempts.data,
            day_parts=sum(set(form.day_parts.data or [])),
            min_gap_hours=form.min_gap_hours.data,
            grace_minutes=form.grace_minutes.data,
        ),
        min_group_size=setting("min_group_size"),
    )


def _select(conn, list_id: int, survey_id: int, chosen: dict, channel: str):
    """Who would be invited now: by e-mail address, by postal address for a post campaign, by
    phone number for a telephone campaign."""
    if channel == "phone":
        keys = state().keys
        return phone_campaign.select(conn, keys.cipher(), keys.hasher(), list_id, survey_id, chosen)
    if channel == "post":
        keys = state().keys
        return post_build.select(conn, keys.cipher(), keys.hasher(), list_id, survey_id, chosen)
    return build.select(conn, list_id, survey_id, chosen)


@bp.route("/new", methods=["GET", "POST"])
@requires("mailings.manage")
def create_campaign():
    """Fill in the form; "Continue" shows the recipients counted on the server ("Send to 1,986
    contacts?") and only the confirmation there creates the campaign, for that number."""
    conn = get_db()
    form = CampaignForm()
    _choices(form)
    if not form.is_submitted():
        # Only a list named in the link (from the list's own page) is preselected.
        form.list_id.data = request.args.get("list", default="", type=int) or ""
    list_id = form.list_id.data or None
    if list_id is not None and contacts_service.get_list(conn, list_id) is None:
        list_id = None
    available = build.segment_values(conn, list_id) if list_id else {}
    chosen = _segment_filter(available) if form.is_submitted() else {}
    page = {"form": form, "segments": available, "chosen": chosen, "selection": None}
    action = request.form.get("action", "create")
    if form.is_submitted() and action in ("segments", "edit"):
        return render_template("mailing/new.html", **page)  # the list changed, or "Change"
    if not form.is_submitted():
        return render_template("mailing/new.html", **page)
    if not form.validate():
        return render_template("mailing/new.html", **page), 400
    if form.channel.data == "email" and not setting("mail_from"):
        flash(_("Set the sender address under Settings before sending mail."), "error")
        return render_template("mailing/new.html", **page), 400
    send_at = _send_at(form)
    if send_at is None:
        form.send_at.errors = [_("Give the date and time to send.")]
        return render_template("mailing/new.html", **page), 400
    if action == "check":
        page["selection"] = _select(conn, list_id, form.survey_id.data, chosen, form.channel.data)
        return render_template("mailing/new.html", **page)
    confirmed = request.form.get("confirmed", type=int) if action == "confirm" else None
    if confirmed is None:
        try:
            selection = service.check(conn, _plan(form, send_at, chosen, None), state().keys)
        except service.CampaignError as exc:
            flash_reasons(exc.reasons)
            return render_template("mailing/new.html", **page), 400
        return _confirmation(page, selection, send_at)
    try:
        campaign_id, selection = service.create(
            conn, actor(), _plan(form, send_at, chosen, confirmed), state().keys
        )
    except service.CountChanged as changed:
        flash_reasons(changed.reasons)
        return _confirmation(page, changed.selection, send_at, 409)
    except service.CampaignError as exc:
        flash_reasons(exc.reasons)
        return render_template("mailing/new.html", **page), 400
    flash(
        _("Campaign created: %(n)s recipients.", n=format_decimal(len(selection.contact_ids))),
        "success",
    )
    return redirect(url_for("mailing.show_campaign", campaign_id=campaign_id))


def _confirmation(page: dict, selection, send_at: float, status: int = 200):
    """The step between the form and the campaign: the number it goes to, counted now."""
    form = page["form"]
    return render_template(
        "mailing/confirm.html",
        **page | {"selection": selection},
        survey=dict(form.survey_id.choices).get(form.survey_id.data, ""),
        list_name=contacts_service.get_list(get_db(), form.list_id.data)["name"],
        send_now=form.when.data != "later",
        send_at=local_time(send_at),
    ), status


@bp.route(f"/<{ID}:campaign_id>")
@requires("mailings.manage")
def show_campaign(campaign_id: int):
    conn = get_db()
    row = _campaign_or_404(campaign_id)
    done = service.progress(conn, campaign_id)
    return render_template(
        "mailing/show.html",
        campaign=row,
        message=_translated(row["message"]),
        message_kind=_message_kind(row["message"]),
        progress=done,
        status_label=phase_label(service.phase(row, done))
        if row["channel"] == "email"
        else status_labels()[row["status"]],
        fraction=service.handled_fraction(done),
        waves=service.wave_counts(conn, campaign_id),
        skipped=service.skipped(row),
        bounces=service.bounce_counts(conn, row) if row["channel"] == "email" else None,
        segment_filter=service.segment_filter(row),
        problems=_problems(campaign_id),
        actions=[a for a, (_s, allowed) in service.ACTIONS.items() if row["status"] in allowed],
        letter_runs=post_service.letter_runs(conn, campaign_id),
        next_letters=post_service.next_wave(row) if row["channel"] == "post" else None,
        calls=calls_service.summary(conn, campaign_id, time.time())
        if row["channel"] == "phone"
        else None,
    )


def _problems(campaign_id: int) -> list[dict]:
    """Bounced and failed messages with the contact's address (staff: identity plane)."""
    cipher = state().keys.cipher()
    return [
        {
            "address": open_contact_field(cipher, "email", r["email"], r["contact_id"])
            if r["email"] is not None
            else "",
            "state": r["state"],
            "wave": r["wave"],
            "error": r["error"],
        }
        for r in service.failed_messages(get_db(), campaign_id)
    ]


@bp.route(f"/<{ID}:campaign_id>/progress")
@requires("mailings.manage")
def campaign_progress(campaign_id: int):
    """The live figures the campaign page polls (JSON)."""
    row = _campaign_or_404(campaign_id)
    done = service.progress(get_db(), campaign_id)
    fraction = service.handled_fraction(done)
    return jsonify(
        status=row["status"],
        status_label=phase_label(service.phase(row, done)),
        percent=round(fraction * 100),
        percent_label=format_percent(fraction, format="#,##0%"),
        queued=done.queued,
        sent=done.sent,
        failed=done.failed,
        suppressed=done.suppressed,
        per_minute=round(done.per_minute),
        minutes_left=None if done.seconds_left is None else round(done.seconds_left / 60, 1),
        message=_translated(row["message"]),
        message_kind=_message_kind(row["message"]),
        # The same figures as the reader's language writes them ("1.986", "2,5").
        shown={
            "queued": format_decimal(done.queued),
            "sent": format_decimal(done.sent),
            "failed": format_decimal(done.failed),
            "suppressed": format_decimal(done.suppressed),
            "per_minute": format_decimal(round(done.per_minute)),
            "minutes_left": "–"
            if done.seconds_left is None
            else format_decimal(round(done.seconds_left / 60, 1)),
        },
    )


@bp.route(f"/<{ID}:campaign_id>/<any(pause, resume, cancel):action>", methods=["POST"])
@requires("mailings.manage")
def change_campaign(campaign_id: int, action: str):
    _campaign_or_404(campaign_id)
    try:
        service.change(get_db(), actor(), campaign_id, action)
    except service.CampaignError as exc:
        flash_reasons(exc.reasons)
    else:
        flash(
            {
                "pause": _("Campaign paused: nothing more is sent until you resume it."),
                "resume": _("Campaign resumed."),
                "cancel": _("Campaign cancelled: no more messages are sent."),
            }[action],
            "success",
        )
    return redirect(url_for("mailing.show_campaign", campaign_id=campaign_id))


@bp.route(f"/<{ID}:campaign_id>/remind", methods=["POST"])
@requires("mailings.manage")
def remind_now(campaign_id: int):
    _campaign_or_404(campaign_id)
    try:
        service.remind_now(get_db(), actor(), campaign_id)
    except service.CampaignError as exc:
        flash_reasons(exc.reasons)
    else:
        flash(_("The next reminder goes out within a minute."), "success")
    return redirect(url_for("mailing.show_campaign", campaign_id=campaign_id))
