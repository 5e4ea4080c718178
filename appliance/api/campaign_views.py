"""API operations on campaigns: list, create (by e-mail, post or telephone), follow progress,
reschedule, start now, pause, resume and cancel; and the mail templates a campaign can use.

Each calls the service functions the campaign pages call (``appliance.mailing.views``), so the
licence, the refusals and the audit entries hold alike. A campaign object holds counts only:
never an address, a name or any other contact data.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from flask import abort, jsonify, url_for
from flask_babel import force_locale

from appliance.api.blueprint import bp
from appliance.api.campaign_schemas import (
    CAMPAIGN,
    COUNTED,
    DAY_PARTS,
    NEW_CAMPAIGN,
    STANDARD_INVITATION,
    STANDARD_REMINDER,
)
from appliance.api.declare import (
    ERROR,
    PAGING,
    Operation,
    Param,
    Schema,
    body,
    operation,
    page_of,
    paged,
    problem,
    query,
)
from appliance.auth.guard import requires
from appliance.db import iso
from appliance.interviews import phone_campaign
from appliance.mailing import build, problems, service, template_service
from appliance.web import ID, actor, get_db, setting, state

TAG = "Campaigns"


def _moment(epoch: float | None) -> str | None:
    return None if epoch is None else iso(datetime.fromtimestamp(epoch, UTC))


def _counts(by_state: dict[str, int]) -> dict[str, int]:
    out = {name: by_state.get(name, 0) for name in COUNTED}
    out["queued"] += by_state.get("claimed", 0)
    return out


def campaign_json(conn, row) -> dict[str, Any]:
    """The campaign object (a row of ``service.get_campaign``): figures, never contact data."""
    done = service.progress(conn, row["id"])
    waves = service.wave_counts(conn, row["id"])
    totals: dict[str, int] = {}
    for by_state in waves.values():
        for name, number in by_state.items():
            totals[name] = totals.get(name, 0) + number
    # A post or telephone campaign sends nothing: its status is what it is doing (as its page).
    phase = service.phase(row, done) if row["channel"] == "email" else service.Phase(row["status"])
    with force_locale("en"):
        message = problems.explain(row["message"])
    planned = row["next_wave_at"] is not None and row["waves_built"] <= row["reminders"]
    return {
        "id": row["id"],
        "name": row["name"],
        "channel": row["channel"],
        "status": row["status"],
        "phase": phase.key,
        "phase_at": _moment(phase.at),
        "survey_id": row["survey_id"],
        "survey_title": row["survey_title"],
        "list_id": row["list_id"],
        "list_name": row["list_name"],
        "template_id": row["template_id"],
        "reminder_template_id": row["reminder_template_id"],
        "segment_filter": service.segment_filter(row),
        "send_at": _moment(row["send_at"]),
        "reminders": row["reminders"],
        "reminder_days": row["reminder_days"],
        "next_reminder_at": _moment(row["next_wave_at"]) if planned else None,
        "created_at": row["created_at"],
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
        "recipients": row["recipients"],
        "skipped": service.skipped(row),
        "counts": _counts(totals),
        "waves": [{"wave": w, "counts": _counts(waves[w])} for w in sorted(waves)],
        "handled_fraction": service.handled_fraction(done),
        "per_minute": done.per_minute,
        "minutes_left": None if done.seconds_left is None else round(done.seconds_left / 60, 1),
        "message": message,
        "url": url_for("api.show_campaign", campaign_id=row["id"]),
    }


def _campaign_or_404(campaign_id: int):
    row = service.get_campaign(get_db(), campaign_id)
    if row is None:
        abort(404)
    return row


def _answer(campaign_id: int):
    conn = get_db()
    return jsonify(campaign_json(conn, service.get_campaign(conn, campaign_id)))


def _when(text: str, field: str) -> float:
    """Epoch seconds of an ISO 8601 date-time with its offset; BadInput-like 400 otherwise."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _Bad(f"{field}: not an ISO 8601 date-time (2026-12-10T09:00:00Z)") from None
    if moment.tzinfo is None:
        raise _Bad(f"{field}: give the time zone (Z or an offset such as +01:00)")
    return moment.timestamp()


class _Bad(ValueError):
    """Input the schema lets through that cannot be read (answered 400)."""


@bp.route("/v1/campaigns")
@requires("mailings.manage")
@operation(
    Operation(
        "Campaigns, newest first, with their progress",
        {200: ("One page of campaigns", page_of(CAMPAIGN))},
        TAG,
        params=(
            Param("survey_id", "Only the campaigns of this survey", {"type": "integer"}),
            *PAGING,
        ),
    )
)
def list_campaigns():
    conn = get_db()
    rows = [service.get_campaign(conn, r["id"]) for r in service.list_campaigns(conn)]
    survey_id = query().get("survey_id")
    if survey_id is not None:
        rows = [r for r in rows if r["survey_id"] == survey_id]
    return jsonify(paged(rows, lambda row: campaign_json(conn, row)))


@bp.route("/v1/campaigns", methods=["POST"])
@requires("mailings.manage")
@operation(
    Operation(
        "Create a campaign",
        {
            201: ("The new campaign, with who it would invite now", CAMPAIGN),
            409: (
                "No sender address is set (e-mail), or the number of recipients is not the "
                "expected one",
                ERROR,
            ),
            422: (
                "Refused: an unknown or closed survey, list or template, a segment the list "
                "does not have, nobody left to invite, or the licence refuses new work or "
                "the channel",
                ERROR,
            ),
        },
        TAG,
        description="The recipients are counted now (contacts without an address, suppressed "
        "or already invited to the survey are skipped). An e-mail campaign is sent from its "
        "send time by the sender; a post campaign waits for its letters to be downloaded on "
        "its page; a telephone campaign's call list is built at once. Audited as "
        "`mailing.campaign_created`.",
        body=NEW_CAMPAIGN,
    )
)
def create_campaign():
    given = body()
    conn = get_db()
    channel = given.get("channel", "email")
    if channel == "email" and not setting("mail_from"):
        return problem(409, "set the sender address under Settings before sending mail")
    try:
        send_at = _when(given["send_at"], "send_at")
    except _Bad as exc:
        return problem(400, str(exc))
    refused = _refusals(conn, given, channel)
    if refused:
        return problem(422, "; ".join(refused))
    templates = {r["name"]: r["id"] for r in template_service.list_templates(conn)}
    invitation = given.get("template_id", templates.get(STANDARD_INVITATION))
    if invitation is None:
        return problem(422, "give template_id: there is no standard invitation template")
    rules = {**phone_campaign.PhoneRules().as_row(), **given.get("phone", {})}
    if "day_parts" in given.get("phone", {}):
        rules["day_parts"] = sum(DAY_PARTS[part] for part in given["phone"]["day_parts"])
    plan = service.Plan(
        name=given["name"],
        survey_id=given["survey_id"],
        list_id=given["list_id"],
        template_id=invitation,
        reminder_template_id=given.get("reminder_template_id", templates.get(STANDARD_REMINDER)),
        send_at=send_at,
        # A telephone campaign calls in one wave: no reminders (as the page).
        reminders=0 if channel == "phone" else given.get("reminders", 1),
        reminder_days=given.get("reminder_days", 7),
        segment_filter=given.get("segment_filter", {}),
        confirmed_recipients=given.get("expected_recipients"),
        channel=channel,
        phone=phone_campaign.PhoneRules(**rules),
        min_group_size=setting("min_group_size"),
    )
    try:
        campaign_id, selection = service.create(conn, actor(), plan, state().keys)
    except service.CountChanged as changed:
        return problem(409, f"the number of recipients is now {len(changed.selection.contact_ids)}")
    except service.CampaignError as exc:
        return problem(422, " ".join(exc.reasons))
    out = campaign_json(conn, service.get_campaign(conn, campaign_id))
    out["counted"] = {"recipients": len(selection.contact_ids), "skipped": selection.skipped}
    response = jsonify(out)
    response.status_code = 201
    response.headers["Location"] = out["url"]
    return response


def _refusals(conn, given: dict, channel: str) -> list[str]:
    """What the page's form would not let through: telephone rules on another channel, and
    segment values the list does not have (the form offers only those; here they are named,
    not dropped)."""
    out = []
    if "phone" in given and channel != "phone":
        out.append("'phone' is for telephone campaigns only")
    wanted = given.get("segment_filter", {})
    if wanted:
        available = build.segment_values(conn, given["list_id"], limit=100_000)
        for attr, values in sorted(wanted.items()):
            unknown = [v for v in values if v not in available.get(attr, [])]
            if attr not in available:
                out.append(f"the list has no segment {attr!r}")
            elif unknown:
                out.append(f"segment {attr!r} has no value {', '.join(map(repr, unknown))}")
    return out


@bp.route(f"/v1/campaigns/<{ID}:campaign_id>")
@requires("mailings.manage")
@operation(Operation("A campaign and its progress", {200: ("The campaign", CAMPAIGN)}, TAG))
def show_campaign(campaign_id: int):
    return jsonify(campaign_json(get_db(), _campaign_or_404(campaign_id)))


STATE_CONFLICT = ("The campaign cannot do that in its present state", ERROR)


@bp.route(f"/v1/campaigns/<{ID}:campaign_id>/schedule", methods=["POST"])
@requires("mailings.manage")
@operation(
    Operation(
        "Move an e-mail campaign that has not started to another send time",
        {200: ("The campaign after the change", CAMPAIGN), 409: STATE_CONFLICT},
        TAG,
        description="Audited as `mailing.rescheduled`.",
        body={
            "type": "object",
            "required": ["at"],
            "properties": {"at": {"type": "string", "format": "date-time"}},
            "additionalProperties": False,
        },
    )
)
def schedule_campaign(campaign_id: int):
    _campaign_or_404(campaign_id)
    try:
        at = _when(body()["at"], "at")
    except _Bad as exc:
        return problem(400, str(exc))
    return _reschedule(campaign_id, at)


@bp.route(f"/v1/campaigns/<{ID}:campaign_id>/start", methods=["POST"])
@requires("mailings.manage")
@operation(
    Operation(
        "Send a scheduled e-mail campaign now instead of at its send time",
        {200: ("The campaign after the change", CAMPAIGN), 409: STATE_CONFLICT},
        TAG,
        description="The sender starts it on its next round (within seconds). Audited as "
        "`mailing.rescheduled`.",
    )
)
def start_campaign(campaign_id: int):
    _campaign_or_404(campaign_id)
    return _reschedule(campaign_id, time.time())


def _reschedule(campaign_id: int, at: float):
    try:
        service.reschedule(get_db(), actor(), campaign_id, at)
    except service.CampaignError as exc:
        return problem(409, " ".join(exc.reasons))
    return _answer(campaign_id)


def _change(campaign_id: int, action: str):
    _campaign_or_404(campaign_id)
    try:
        service.change(get_db(), actor(), campaign_id, action)
    except service.CampaignError as exc:
        return problem(409, " ".join(exc.reasons))
    return _answer(campaign_id)


@bp.route(f"/v1/campaigns/<{ID}:campaign_id>/pause", methods=["POST"])
@requires("mailings.manage")
@operation(
    Operation(
        "Pause a scheduled or running campaign: nothing more is sent until it is resumed",
        {200: ("The campaign after the change", CAMPAIGN), 409: STATE_CONFLICT},
        TAG,
        description="Audited as `mailing.paused`.",
    )
)
def pause_campaign(campaign_id: int):
    return _change(campaign_id, "pause")


@bp.route(f"/v1/campaigns/<{ID}:campaign_id>/resume", methods=["POST"])
@requires("mailings.manage")
@operation(
    Operation(
        "Resume a paused campaign (one paused before it started waits for its send time)",
        {200: ("The campaign after the change", CAMPAIGN), 409: STATE_CONFLICT},
        TAG,
        description="Audited as `mailing.resumed`.",
    )
)
def resume_campaign(campaign_id: int):
    return _change(campaign_id, "resume")


@bp.route(f"/v1/campaigns/<{ID}:campaign_id>/cancel", methods=["POST"])
@requires("mailings.manage")
@operation(
    Operation(
        "Cancel a campaign: every queued message is withdrawn (final)",
        {200: ("The campaign after the change", CAMPAIGN), 409: STATE_CONFLICT},
        TAG,
        description="Messages on their way to the relay at that moment still go. Audited as "
        "`mailing.cancelled`.",
    )
)
def cancel_campaign(campaign_id: int):
    return _change(campaign_id, "cancel")


MAIL_TEMPLATE = Schema(
    "MailTemplate",
    {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
)


@bp.route("/v1/mail-templates")
@requires("mailings.manage")
@operation(
    Operation(
        "The mail templates a campaign can use, by name",
        {200: ("One page of templates", page_of(MAIL_TEMPLATE))},
        TAG,
        params=PAGING,
    )
)
def list_mail_templates():
    rows = template_service.list_templates(get_db())
    return jsonify(paged(rows, lambda r: {"id": r["id"], "name": r["name"]}))
