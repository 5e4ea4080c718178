"""Staff pages for campaigns: list, create (with the recipients counted first), follow progress
live, pause, resume, cancel, bring a reminder forward. Sending itself happens in the scheduler."""

from __future__ import annotations

import time
from datetime import datetime

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.auth.guard import requires
from appliance.contacts import store as contacts_store
from appliance.mailing import build, campaigns, outbox, store
from appliance.mailing.forms import CampaignForm
from appliance.surveys import store as surveys_store
from appliance.web import ID, actor, flash_reasons, get_db, setting, state

bp = Blueprint("mailing", __name__, url_prefix="/mailing")


def status_labels() -> dict[str, str]:
    return {
        "scheduled": _("scheduled"),
        "active": _("running"),
        "paused": _("paused"),
        "cancelled": _("cancelled"),
        "done": _("done"),
    }


@bp.context_processor
def labels():
    return {"campaign_status_labels": status_labels(), "local_time": local_time}


def local_time(epoch: float | None) -> str:
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, state().tz).strftime("%Y-%m-%d %H:%M")


def _translated(message: str) -> str:
    """A campaign message: a msgid of ours, or a relay's own words (shown as they are)."""
    return _(message) if message else ""


def _campaign_or_404(campaign_id: int):
    row = store.get_campaign(get_db(), campaign_id)
    if row is None:
        abort(404)
    return row


@bp.route("/")
@requires("mailings.manage")
def list_campaigns():
    return render_template("mailing/index.html", campaigns=store.list_campaigns(get_db()))


def _choices(form: CampaignForm) -> None:
    conn = get_db()
    form.survey_id.choices = [
        (r["id"], r["title"]) for r in surveys_store.titles(conn, include_closed=False)
    ]
    form.list_id.choices = [
        (r["id"], f"{r['name']} ({r['contacts']})") for r in contacts_store.lists_with_counts(conn)
    ]
    templates = [(r["id"], r["name"]) for r in store.list_templates(conn)]
    form.template_id.choices = templates
    form.reminder_template_id.choices = [(0, _("the invitation template"))] + templates
    if not form.is_submitted():
        by_name = {name: i for i, name in templates}
        form.template_id.data = by_name.get("Uitnodiging / Invitation")
        form.reminder_template_id.data = by_name.get("Herinnering / Reminder", 0)


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


@bp.route("/new", methods=["GET", "POST"])
@requires("mailings.manage")
def create_campaign():
    conn = get_db()
    form = CampaignForm()
    _choices(form)
    list_id = form.list_id.data or request.args.get("list", type=int)
    if list_id is None and form.list_id.choices:
        list_id = form.list_id.choices[0][0]
    if not form.is_submitted():
        form.list_id.data = list_id
    available = build.segment_values(conn, list_id) if list_id else {}
    chosen = _segment_filter(available) if form.is_submitted() else {}
    page = {"form": form, "segments": available, "chosen": chosen, "selection": None}
    if not form.validate_on_submit():
        return render_template("mailing/new.html", **page)
    if not setting("mail_from"):
        flash(_("Set the sender address under Settings before sending mail."), "error")
        return render_template("mailing/new.html", **page), 400
    send_at = _send_at(form)
    if send_at is None:
        form.send_at.errors = [_("Give the date and time to send.")]
        return render_template("mailing/new.html", **page), 400
    if request.form.get("action") == "check":
        page["selection"] = build.select(conn, form.list_id.data, form.survey_id.data, chosen)
        return render_template("mailing/new.html", **page)
    plan = campaigns.Plan(
        name=form.name.data,
        survey_id=form.survey_id.data,
        list_id=form.list_id.data,
        template_id=form.template_id.data,
        reminder_template_id=form.reminder_template_id.data or None,
        send_at=send_at,
        reminders=form.reminders.data,
        reminder_days=form.reminder_days.data,
        segment_filter=chosen,
    )
    try:
        campaign_id, selection = campaigns.create(conn, actor(), plan)
    except campaigns.CampaignError as exc:
        flash_reasons(exc.reasons)
        return render_template("mailing/new.html", **page), 400
    flash(
        _("Campaign created: %(n)s recipients.", n=len(selection.contact_ids)),
        "success",
    )
    return redirect(url_for("mailing.show_campaign", campaign_id=campaign_id))


@bp.route(f"/<{ID}:campaign_id>")
@requires("mailings.manage")
def show_campaign(campaign_id: int):
    conn = get_db()
    row = _campaign_or_404(campaign_id)
    return render_template(
        "mailing/show.html",
        campaign=row,
        message=_translated(row["message"]),
        progress=campaigns.progress(conn, campaign_id),
        waves=outbox.counts(conn, campaign_id),
        skipped=store.skipped(row),
        segment_filter=store.segment_filter(row),
        problems=_problems(campaign_id),
        actions=[a for a, (_s, allowed) in campaigns.ACTIONS.items() if row["status"] in allowed],
    )


def _problems(campaign_id: int) -> list[dict]:
    """Bounced and failed messages with the contact's address (staff: identity plane)."""
    cipher = state().keys.cipher()
    return [
        {
            "address": cipher.decrypt(r["email"], "contacts", "email", r["contact_id"])
            if r["email"] is not None
            else "",
            "state": r["state"],
            "wave": r["wave"],
            "error": r["error"],
        }
        for r in outbox.problems(get_db(), campaign_id)
    ]


@bp.route(f"/<{ID}:campaign_id>/progress")
@requires("mailings.manage")
def campaign_progress(campaign_id: int):
    """The live figures the campaign page polls (JSON)."""
    row = _campaign_or_404(campaign_id)
    done = campaigns.progress(get_db(), campaign_id)
    return jsonify(
        status=row["status"],
        status_label=status_labels()[row["status"]],
        queued=done.queued,
        sent=done.sent,
        failed=done.failed,
        suppressed=done.suppressed,
        per_minute=round(done.per_minute),
        minutes_left=None if done.seconds_left is None else round(done.seconds_left / 60, 1),
        message=_translated(row["message"]),
    )


@bp.route(f"/<{ID}:campaign_id>/<any(pause, resume, cancel):action>", methods=["POST"])
@requires("mailings.manage")
def change_campaign(campaign_id: int, action: str):
    _campaign_or_404(campaign_id)
    try:
        campaigns.change(get_db(), actor(), campaign_id, action)
    except campaigns.CampaignError as exc:
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
        campaigns.remind_now(get_db(), actor(), campaign_id)
    except campaigns.CampaignError as exc:
        flash_reasons(exc.reasons)
    else:
        flash(_("The next reminder goes out within a minute."), "success")
    return redirect(url_for("mailing.show_campaign", campaign_id=campaign_id))
