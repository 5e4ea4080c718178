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

from appliance.contacts.store import VISIBLE
from appliance.crypto import KeyedHasher
from appliance.mailing import links
from appliance.privacy import suppression
from appliance.reports import store as report_store
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
) -> Selection:
    """The contacts an invitation wave would go to now, and how many were skipped and why."""
    invited = {
        bytes(r[0])
        for r in conn.execute(
            "SELECT c.email_hash FROM invitations i JOIN contacts c ON c.id = i.contact_id"
            " WHERE i.survey_id = ? AND c.email_hash IS NOT NULL",
            (survey_id,),
        )
    }
    rows = [
        (contact_id, bytes(email_hash) if email_hash is not None else None)
        for contact_id, email_hash, segments in conn.execute(
            f"SELECT id, email_hash, segments FROM contacts WHERE list_id = ? AND {VISIBLE}"  # noqa: S608
            " ORDER BY id",
            (list_id,),
        )
        if not wanted or matches(json.loads(segments), wanted)
    ]
    # The suppression list decides who may be contacted, here as at send time.
    blocked = suppression.suppressed(conn, [h for _, h in rows if h is not None])
    ids: list[int] = []
    seen: set[bytes] = set()
    no_address = suppressed = already = 0
    for contact_id, key in rows:
        if key is None:
            no_address += 1
        elif key in blocked:
            suppressed += 1
        elif key in invited or key in seen:
            already += 1
        else:
            seen.add(key)
            ids.append(contact_id)
    return Selection(ids, no_address, suppressed, already)


def segment_values(conn: sqlite3.Connection, list_id: int, limit: int = 50) -> dict[str, list]:
    """attribute -> its values in the list (for the filter form), at most ``limit`` each."""
    out: dict[str, list[str]] = {}
    for key, value in conn.execute(
        "SELECT j.key, j.value FROM contacts c, json_each(c.segments) j"  # noqa: S608
        f" WHERE c.list_id = ? AND c.{VISIBLE} GROUP BY j.key, j.value ORDER BY j.key, j.value",
        (list_id,),
    ):
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
    own = {
        contact_id: (segments, language)
        for contact_id, segments, language in conn.execute(
            f"SELECT id, segments, language FROM contacts WHERE list_id = ? AND {VISIBLE}",  # noqa: S608
            (campaign["list_id"],),
        )
    }
    stored = coarsen(
        invited_rows([own[c] for c in selection.contact_ids]),
        wave_attributes(_report_segments(conn, campaign["survey_id"])),
        k,
    )
    rows = []
    for contact_id, segments in zip(selection.contact_ids, stored, strict=True):
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
            )
        )
    conn.executemany(
        "INSERT INTO invitations (survey_id, contact_id, token_hash, link_seed, campaign_id,"
        " segments, group_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    report_store.offer_values(conn, campaign["survey_id"], offered(stored))
    conn.execute(
        "INSERT INTO outbox (campaign_id, wave, invitation_id)"
        " SELECT ?, 0, id FROM invitations WHERE campaign_id = ? ORDER BY id",
        (campaign["id"], campaign["id"]),
    )
    # Retention keeps contacts of batches used in a mailing until 6 months after that use.
    conn.execute(
        "UPDATE contact_imports SET used_in_mailing = 1 WHERE id IN (SELECT DISTINCT import_id"
        " FROM contacts c JOIN invitations i ON i.contact_id = c.id WHERE i.campaign_id = ?)",
        (campaign["id"],),
    )
    return selection


def _report_segments(conn: sqlite3.Connection, survey_id: int) -> str | None:
    row = conn.execute("SELECT report_segments FROM surveys WHERE id = ?", (survey_id,)).fetchone()
    return row[0] if row else None


def reminder_wave(conn: sqlite3.Connection, campaign_id: int, wave: int) -> int:
    """Inside a write transaction: queue reminder ``wave`` for those who should get it; returns
    how many were queued."""
    before = conn.total_changes
    conn.execute(
        "INSERT OR IGNORE INTO outbox (campaign_id, wave, invitation_id)"
        " SELECT ?, ?, i.id FROM invitations i JOIN contacts c ON c.id = i.contact_id"
        " WHERE i.campaign_id = ? AND i.used = 0"
        " AND EXISTS (SELECT 1 FROM outbox o WHERE o.invitation_id = i.id AND o.wave = 0"
        "   AND o.state = 'sent')"
        " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.invitation_id = i.id"
        "   AND o.state = 'bounced')"
        " ORDER BY i.id",
        (campaign_id, wave, campaign_id),
    )
    return conn.total_changes - before
