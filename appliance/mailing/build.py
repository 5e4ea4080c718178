"""Who a campaign writes to: the invitation wave and the reminder waves.

Invitation wave (built when the campaign's time comes, so contacts imported meanwhile count):
every visible contact of the list that matches the segment filter, except those without an
e-mail address, on the suppression list, or whose address was invited to this survey before (by
an earlier campaign or through another list). Each gets one invitation with a link seed and one
outbox row, in one transaction: all or nothing.

Reminder wave: the campaign's invitations that were sent, whose survey was not completed and
whose address did not bounce in this campaign. Whether an address may still be contacted is
decided by ``privacy.suppression`` alone, asked when a wave is built and again by the sender
right before each batch goes out (which marks unsubscribed ones ``suppressed``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from appliance.crypto import KeyedHasher
from appliance.mailing import bounce_store, build_store, codes, links
from appliance.privacy import suppression
from appliance.reports import service as reports_service
from appliance.responses.segments import (
    coarsen,
    encode,
    group_key,
    invited_rows,
    offered,
    wave_attributes,
)


@dataclass(frozen=True)
class Selection:
    contact_ids: list[int]
    no_address: int
    suppressed: int
    already_invited: int

    @property
    def skipped(self) -> dict[str, int]:
        return {
            "no_address": self.no_address,
            "suppressed": self.suppressed,
            "already_invited": self.already_invited,
        }


@dataclass(frozen=True)
class MailSelection(Selection):
    """An e-mail wave's selection. Each skipped contact is counted once: ``suppressed`` (on the
    suppression list for any reason but a bounce: unsubscribed, added by staff or by upload)
    and ``undeliverable`` (on it because the address bounced hard, see ``bounce_service``)
    are apart, so no reader subtracts one from the other."""

    undeliverable: int = 0

    @property
    def skipped(self) -> dict[str, int]:
        return {**super().skipped, "undeliverable": self.undeliverable}


class EmptyCampaign(ValueError):
    """Nobody to write to; ``selection`` says why."""

    def __init__(self, selection: Selection):
        super().__init__("no recipients")
        self.selection = selection


def matches(segments: Mapping[str, str], wanted: Mapping[str, list[str]]) -> bool:
    """Every filtered attribute has one of its chosen values (values OR, attributes AND)."""
    return all(segments.get(attr) in values for attr, values in wanted.items() if values)


def select(
    conn: sqlite3.Connection, list_id: int, survey_id: int, wanted: Mapping[str, list[str]]
) -> MailSelection:
    """The contacts an invitation wave would go to now, and how many were skipped and why."""
    invited = build_store.invited_hashes(conn, survey_id)
    rows = [
        (contact_id, bytes(email_hash) if email_hash is not None else None)
        for contact_id, email_hash, segments in build_store.visible_contacts(conn, list_id)
        if not wanted or matches(json.loads(segments), wanted)
    ]
    # The suppression list decides who may be contacted, here as at send time.
    blocked = suppression.suppressed(conn, [h for _, h in rows if h is not None])
    bounced = bounce_store.undeliverable(conn, list(blocked)) if blocked else set()
    ids: list[int] = []
    seen: set[bytes] = set()
    no_address = suppressed = undeliverable = already = 0
    for contact_id, key in rows:
        if key is None:
            no_address += 1
        elif key in bounced:
            undeliverable += 1
        elif key in blocked:
            suppressed += 1
        elif key in invited or key in seen:
            already += 1
        else:
            seen.add(key)
            ids.append(contact_id)
    return MailSelection(ids, no_address, suppressed, already, undeliverable)


def segment_values(conn: sqlite3.Connection, list_id: int, limit: int = 50) -> dict[str, list]:
    """attribute -> its values in the list (for the filter form), at most ``limit`` each."""
    out: dict[str, list[str]] = {}
    for key, value in build_store.segment_pairs(conn, list_id):
        values = out.setdefault(key, [])
        if len(values) < limit:
            values.append(str(value))
    return out


def invitation_wave(
    conn: sqlite3.Connection, hasher: KeyedHasher, campaign: sqlite3.Row, k: int
) -> Selection:
    """Inside a write transaction: create the invitations and queue wave 0. Raises
    EmptyCampaign when nobody is left to invite.

    Each invitation gets the segment values its response will carry, coarsened over this wave
    with the minimum group size ``k`` (``responses.segments``), and the survey's offered values
    gain this wave's."""
    selection = select(
        conn, campaign["list_id"], campaign["survey_id"], json.loads(campaign["segment_filter"])
    )
    if not selection.contact_ids:
        raise EmptyCampaign(selection)
    create_invitations(conn, hasher, campaign, selection.contact_ids, k)
    build_store.queue_invitation_wave(conn, campaign["id"])
    # Retention keeps contacts of batches used in a mailing until 6 months after that use.
    build_store.mark_imports_used(conn, campaign["id"])
    return selection


def create_invitations(
    conn: sqlite3.Connection,
    hasher: KeyedHasher,
    campaign: sqlite3.Row,
    contact_ids: list[int],
    k: int,
    with_codes: bool = False,
) -> None:
    """Inside a write transaction: one invitation with a new link seed per contact of
    ``contact_ids`` (in that order), with the short code's hash too when ``with_codes`` (post
    invitations, see ``codes``)."""
    own = {
        contact_id: (segments, language)
        for contact_id, segments, language in build_store.segments_and_languages(
            conn, campaign["list_id"]
        )
    }
    stored = coarsen(
        invited_rows([own[c] for c in contact_ids]),
        wave_attributes(build_store.report_segments(conn, campaign["survey_id"])),
        k,
    )
    rows = []
    for contact_id, segments in zip(contact_ids, stored, strict=True):
        seed, token_hash = links.seed_and_hash(hasher)
        rows.append(
            (
                campaign["survey_id"],
                contact_id,
                token_hash,
                seed,
                campaign["id"],
                encode(segments),
                group_key(segments),
                codes.for_seed(hasher, seed)[1] if with_codes else None,
            )
        )
    build_store.insert_invitations(conn, rows)
    reports_service.offer_values(conn, campaign["survey_id"], offered(stored))


def reminder_wave(conn: sqlite3.Connection, campaign_id: int, wave: int) -> int:
    """Inside a write transaction: queue reminder ``wave`` for those who should get it; returns
    how many were queued."""
    return build_store.queue_reminder_wave(conn, campaign_id, wave)
