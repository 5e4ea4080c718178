"""Mailing operations for the staff pages, the unsubscribe page and the CLI: campaigns and
unsubscribing (mail templates: ``template_service``).

Every change is written in one transaction together with its audit entry; campaign operations
raise :class:`CampaignError` with msgids when refused. Nothing here logs an address: a test
message is audited with a keyed hash of where it went.

Reads of campaigns and their messages pass through here as plain calls of the
stores, so views never depend on SQL.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from appliance.auth.service import Actor
from appliance.contacts import store as contacts_store
from appliance.crypto import KeyedHasher
from appliance.db import transaction
from appliance.i18n import N_
from appliance.interviews import phone_campaign
from appliance.keys import Keys
from appliance.licence import limits
from appliance.mailing import (
    bounce_service,
    build,
    outbox_store,
    post_build,
    store,
    unsubscribe,
)
from appliance.privacy import suppression
from appliance.surveys import store as surveys_store

if TYPE_CHECKING:
    pass

MAX_REMINDERS = 5
CHANNELS = ("email", "post", "phone")


class CampaignError(ValueError):
    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Plan:
    name: str
    survey_id: int
    list_id: int
    template_id: int
    reminder_template_id: int | None
    send_at: float
    reminders: int
    reminder_days: int
    segment_filter: Mapping[str, list[str]]
    # The number of recipients staff confirmed ("Send to 1,986 contacts?"); the campaign is
    # refused when the count now differs. None: no confirmation (console, demo, tests).
    confirmed_recipients: int | None = None
    # "email" (the outbox), "post" (letters staff download, see ``post_service``) or "phone"
    # (a call list for interviewers, built at once, see ``interviews.phone_campaign``).
    channel: str = "email"
    phone: phone_campaign.PhoneRules = phone_campaign.PhoneRules()
    # The minimum group size a phone campaign's invitations are coarsened with when built.
    min_group_size: int = 1


class CountChanged(CampaignError):
    """The recipients changed since staff confirmed their number; ``selection`` is the new one."""

    def __init__(self, selection: build.Selection):
        super().__init__([N_("The number of recipients changed since you confirmed it.")])
        self.selection = selection


def _selection(
    conn: sqlite3.Connection, plan: Plan, problems: list[str], keys: Keys | None = None
) -> build.Selection:
    """Who the plan would invite now. Raises CampaignError with ``problems`` (msgids) when
    there are any, and when nobody would be invited. A post plan needs ``keys`` (the postal
    addresses are opened to check them)."""
    if plan.channel not in CHANNELS:
        problems.append(N_("Choose how to invite: by e-mail, by post or by telephone."))
    if plan.channel == "phone":
        problems.extend(plan.phone.problems())
    if problems:
        raise CampaignError(problems)
    if plan.channel != "email" and keys is None:
        raise ValueError("a post or phone campaign's recipients need the keys")
    if plan.channel == "phone":
        selection = phone_campaign.select(
            conn, keys.cipher(), keys.hasher(), plan.list_id, plan.survey_id, plan.segment_filter
        )
    elif plan.channel == "post":
        selection = post_build.select(
            conn,
            keys.cipher(),
            keys.hasher(),
            plan.list_id,
            plan.survey_id,
            plan.segment_filter,
        )
    else:
        selection = build.select(conn, plan.list_id, plan.survey_id, plan.segment_filter)
    if not selection.contact_ids:
        raise CampaignError([N_("Nobody to invite: the list (with this filter) has no one left.")])
    return selection


def create(
    conn: sqlite3.Connection, actor: Actor, plan: Plan, keys: Keys | None = None
) -> tuple[int, build.Selection]:
    """Create a scheduled campaign. Refused for a closed survey, an unknown list or template,
    or when nobody would be invited now (an empty list, or everyone skipped), and while the
    licence refuses new work or the channel's module (:mod:`appliance.licence.limits`). A post
    campaign (``keys`` needed) waits for staff to download its letters; a phone campaign
    (``keys`` needed) has its call list built at once and is active (see
    ``interviews.phone_campaign``)."""
    problems = _licence_refusals(conn, plan)
    survey = surveys_store.get_survey(conn, plan.survey_id)
    if survey is None:
        problems.append(N_("Choose a survey."))
    elif survey["status"] == "closed":
        problems.append(N_("The survey is closed; reopen it before inviting anyone."))
    if contacts_store.get_list(conn, plan.list_id) is None:
        problems.append(N_("Choose a contact list."))
    for template_id in (plan.template_id, plan.reminder_template_id):
        if template_id is not None and store.get_template(conn, template_id) is None:
            problems.append(N_("Choose a mail template."))
    if not plan.name.strip():
        problems.append(N_("Give the campaign a name."))
    if not 0 <= plan.reminders <= MAX_REMINDERS or not 1 <= plan.reminder_days <= 90:
        problems.append(N_("Up to 5 reminders, 1 to 90 days apart."))
    selection = _selection(conn, plan, problems, keys)
    if plan.confirmed_recipients is not None and plan.confirmed_recipients != len(
        selection.contact_ids
    ):
        raise CountChanged(selection)
    with transaction(conn):
        campaign_id = store.create_campaign(
            conn,
            name=plan.name,
            survey_id=plan.survey_id,
            list_id=plan.list_id,
            segment_filter={k: v for k, v in plan.segment_filter.items() if v},
            template_id=plan.template_id,
            reminder_template_id=plan.reminder_template_id,
            send_at=plan.send_at,
            reminders=plan.reminders,
            reminder_days=plan.reminder_days,
            user_id=actor.id,
            channel=plan.channel,
        )
        if plan.channel == "phone":
            selection = _call_list(conn, keys, campaign_id, plan)
        actor.log(
            conn,
            "mailing.campaign_created",
            f"campaign:{campaign_id}",
            channel=plan.channel,
            survey=plan.survey_id,
            list=plan.list_id,
            send_at=int(plan.send_at),
            reminders=plan.reminders,
            recipients_now=len(selection.contact_ids),
        )
    return campaign_id, selection


def _licence_refusals(conn: sqlite3.Connection, plan: Plan) -> list[str]:
    """A new campaign is new work, and a campaign by post or telephone needs its module."""
    return limits.creation_refusals(conn) + limits.channel_refusals(conn, plan.channel)


def _call_list(conn: sqlite3.Connection, keys: Keys, campaign_id: int, plan: Plan):
    try:
        return phone_campaign.build(
            conn, keys.cipher(), keys.hasher(), campaign_id, plan.phone, plan.min_group_size
        )
    except build.EmptyCampaign as exc:  # the list emptied since it was counted
        raise CampaignError([N_("Nobody to invite: the list has no one left.")]) from exc


# What staff may do, from which states.
ACTIONS = {
    "pause": ("paused", ("scheduled", "active")),
    "resume": ("active", ("paused",)),
    "cancel": ("cancelled", ("scheduled", "active", "paused")),
}


CHANGE_ACTIONS = {
    "pause": "mailing.paused",
    "resume": "mailing.resumed",
    "cancel": "mailing.cancelled",
}


def change(conn: sqlite3.Connection, actor: Actor, campaign_id: int, action: str) -> None:
    """Pause, resume or cancel. Cancelling withdraws every queued message (those on their way
    to the relay at that moment still go)."""
    status, allowed = ACTIONS[action]
    with transaction(conn):
        row = store.get_campaign(conn, campaign_id)
        if status == "active" and row is not None and not row["started_at"]:
            status = "scheduled"  # paused before it started: back to waiting for its time
        if row is None or not store.set_status(conn, campaign_id, status, allowed):
            raise CampaignError([N_("The campaign cannot do that in its present state.")])
        withdrawn = outbox_store.cancel_queued(conn, campaign_id) if action == "cancel" else 0
        store.set_message(conn, campaign_id, "")
        actor.log(conn, CHANGE_ACTIONS[action], f"campaign:{campaign_id}", withdrawn=withdrawn)


def remind_now(conn: sqlite3.Connection, actor: Actor, campaign_id: int) -> None:
    """Bring the next planned reminder forward to now (the sender builds it on its next round)."""
    with transaction(conn):
        row = store.get_campaign(conn, campaign_id)
        if (
            row is None
            or row["status"] != "active"
            or row["next_wave_at"] is None
            or row["waves_built"] > row["reminders"]
        ):
            raise CampaignError([N_("No reminder is planned for this campaign.")])
        store.wave_built(conn, campaign_id, row["waves_built"], time.time())
        actor.log(conn, "mailing.reminder_brought_forward", f"campaign:{campaign_id}")


def check(conn: sqlite3.Connection, plan: Plan, keys: Keys | None = None) -> build.Selection:
    """Who the plan would invite now, without creating anything (the confirmation step);
    CampaignError when :func:`create` would refuse it."""
    problems = _licence_refusals(conn, plan)
    if surveys_store.get_survey(conn, plan.survey_id) is None:
        problems.append(N_("Choose a survey."))
    if contacts_store.get_list(conn, plan.list_id) is None:
        problems.append(N_("Choose a contact list."))
    return _selection(conn, plan, problems, keys)


@dataclass(frozen=True)
class Progress:
    queued: int
    sent: int
    failed: int  # bounced + failed
    suppressed: int
    cancelled: int
    per_minute: float
    seconds_left: float | None


def progress(conn: sqlite3.Connection, campaign_id: int) -> Progress:
    """Totals over all waves, with the speed of the last minute and the time left at that
    speed (None when nothing was sent in the last minute)."""
    totals = outbox_store.totals(conn, campaign_id)
    queued = totals["queued"] + totals["claimed"]
    recent = outbox_store.sent_in_last(conn, campaign_id, 60)
    left = queued / (recent / 60) if recent and queued else (0.0 if not queued else None)
    return Progress(
        queued,
        totals["sent"],
        totals["bounced"] + totals["failed"],
        totals["suppressed"],
        totals["cancelled"],
        float(recent),
        left,
    )


@dataclass(frozen=True)
class Phase:
    """What a campaign is really doing: ``key`` names it (see ``mailing.views``), ``at`` is the
    time it waits for (the send time, or the next reminder), else None."""

    key: str
    at: float | None = None


def phase(row: sqlite3.Row, done: Progress) -> Phase:
    """``scheduled``, ``sending``, ``waiting_reminder`` (everything so far handed over, a
    reminder planned), ``finishing`` (handed over, the sender settles it on its next round),
    ``paused``, ``cancelled`` or ``done``."""
    status = row["status"]
    if status == "scheduled":
        return Phase("scheduled", row["send_at"])
    if status != "active":
        return Phase(status)
    if done.queued:
        return Phase("sending")
    if row["next_wave_at"] is not None and row["waves_built"] <= row["reminders"]:
        return Phase("waiting_reminder", row["next_wave_at"])
    return Phase("finishing")


def handled_fraction(done: Progress) -> float:
    """Share of the messages built so far that are no longer waiting (0 before the first
    wave is built)."""
    handled = done.sent + done.failed + done.suppressed + done.cancelled
    total = handled + done.queued
    return handled / total if total else 0.0


# ---- unsubscribing -----------------------------------------------------------------------------


def unsubscribe_target(secret: bytes, hasher: KeyedHasher, token: str) -> tuple[bytes, str] | None:
    """(address hash under the present hash keys, language) an unsubscribe link names, or None
    for a link not made here."""
    found = unsubscribe.read(secret, token)
    if found is None:
        return None
    address_hash, language, generation = found
    if generation < hasher.generation:
        # Mailed before a key rotation: the list now holds this hash as the newer keys make it.
        address_hash = hasher.forward(address_hash, generation)
    return address_hash, language


def confirm_unsubscribe(conn: sqlite3.Connection, address_hash: bytes) -> bool:
    """Put the address hash on the suppression list; False when it was there already."""
    with transaction(conn):
        return suppression.add(conn, [address_hash], "unsubscribe") == 1


# ---- reads: plain calls of the stores, so views never depend on their SQL --------------------


def list_campaigns(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every campaign, newest first, with its survey's title, its list's name and the number
    of invitations sent (``sent``)."""
    return store.list_campaigns(conn)


def get_campaign(conn: sqlite3.Connection, campaign_id: int) -> sqlite3.Row | None:
    """The campaign with its survey's title and status and its list's name, or None."""
    return store.get_campaign(conn, campaign_id)


def skipped(campaign: sqlite3.Row) -> dict[str, int]:
    """Why contacts of a campaign's list were left out: reason -> number."""
    return store.skipped(campaign)


def segment_filter(campaign: sqlite3.Row) -> dict[str, list[str]]:
    """The segment values a campaign is limited to: attribute -> values ({}: the whole list)."""
    return store.segment_filter(campaign)


def wave_counts(conn: sqlite3.Connection, campaign_id: int) -> dict[int, dict[str, int]]:
    """The campaign's messages counted per wave and state: wave -> state -> number."""
    return outbox_store.counts(conn, campaign_id)


def bounce_counts(conn: sqlite3.Connection, campaign: sqlite3.Row) -> dict[str, int]:
    """The campaign's bounces by kind: hard, soft, undeliverable (skipped or not sent as
    undeliverable) and auto_replies (automatic replies and challenges, ignored)."""
    return bounce_service.campaign_counts(conn, campaign["id"], store.skipped(campaign))


def failed_messages(conn: sqlite3.Connection, campaign_id: int) -> list[sqlite3.Row]:
    """The campaign's bounced and failed messages with their contact's id and sealed address
    (at most 500). Staff only: this is the identity plane."""
    return outbox_store.problems(conn, campaign_id)


def reschedule(conn: sqlite3.Connection, actor: Actor, campaign_id: int, send_at: float) -> None:
    """Move an e-mail campaign that has not started to ``send_at`` (now or earlier: the sender
    starts it on its next round). Audited as ``mailing.rescheduled``. Raises CampaignError for
    any other campaign: a started one has its waves planned, a post campaign waits for its
    letters, a telephone campaign is under way from its creation."""
    with transaction(conn):
        row = store.get_campaign(conn, campaign_id)
        if (
            row is None
            or row["channel"] != "email"
            or not store.reschedule(conn, campaign_id, send_at)
        ):
            raise CampaignError(
                [N_("Only an e-mail campaign that has not started can be rescheduled.")]
            )
        actor.log(conn, "mailing.rescheduled", f"campaign:{campaign_id}", send_at=int(send_at))
