"""SQL of building a campaign's waves (``build``): who a list holds, who was invited already,
and the bulk statements that create invitations and queue messages. No Flask here; every
function joins the caller's transaction.

The wave statements work on whole sets (one ``executemany`` for the invitations, one
``INSERT ... SELECT`` per wave): a wave of a large list is built in one go.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from appliance.contacts.store import VISIBLE


def invited_hashes(conn: sqlite3.Connection, survey_id: int) -> set[bytes]:
    """Keyed address hashes of the contacts invited to the survey so far, by any campaign."""
    return {
        bytes(r[0])
        for r in conn.execute(
            "SELECT c.email_hash FROM invitations i JOIN contacts c ON c.id = i.contact_id"
            " WHERE i.survey_id = ? AND c.email_hash IS NOT NULL",
            (survey_id,),
        )
    }


def visible_contacts(conn: sqlite3.Connection, list_id: int) -> Iterator[tuple]:
    """(id, email hash or None, segments JSON) of the list's visible contacts, by id."""
    return conn.execute(
        f"SELECT id, email_hash, segments FROM contacts WHERE list_id = ? AND {VISIBLE}"  # noqa: S608
        " ORDER BY id",
        (list_id,),
    )


def segment_pairs(conn: sqlite3.Connection, list_id: int) -> Iterator[tuple]:
    """Distinct (attribute, value) pairs of the list's visible contacts, sorted."""
    return conn.execute(
        "SELECT j.key, j.value FROM contacts c, json_each(c.segments) j"  # noqa: S608
        f" WHERE c.list_id = ? AND c.{VISIBLE} GROUP BY j.key, j.value ORDER BY j.key, j.value",
        (list_id,),
    )


def segments_and_languages(conn: sqlite3.Connection, list_id: int) -> Iterator[tuple]:
    """(id, segments JSON, language) of the list's visible contacts."""
    return conn.execute(
        f"SELECT id, segments, language FROM contacts WHERE list_id = ? AND {VISIBLE}",  # noqa: S608
        (list_id,),
    )


def insert_invitations(conn: sqlite3.Connection, rows: Iterable[Sequence]) -> None:
    """Rows of (survey id, contact id, token hash, link seed, campaign id, segments, group key,
    code hash or None)."""
    conn.executemany(
        "INSERT INTO invitations (survey_id, contact_id, token_hash, link_seed, campaign_id,"
        " segments, group_key, code_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def queue_invitation_wave(conn: sqlite3.Connection, campaign_id: int) -> None:
    """One wave-0 outbox row per invitation of the campaign, in invitation order."""
    conn.execute(
        "INSERT INTO outbox (campaign_id, wave, invitation_id)"
        " SELECT ?, 0, id FROM invitations WHERE campaign_id = ? ORDER BY id",
        (campaign_id, campaign_id),
    )


def mark_imports_used(conn: sqlite3.Connection, campaign_id: int) -> None:
    """Flag the import batches of the campaign's contacts as used in a mailing."""
    conn.execute(
        "UPDATE contact_imports SET used_in_mailing = 1 WHERE id IN (SELECT DISTINCT import_id"
        " FROM contacts c JOIN invitations i ON i.contact_id = c.id WHERE i.campaign_id = ?)",
        (campaign_id,),
    )


def report_segments(conn: sqlite3.Connection, survey_id: int) -> str | None:
    row = conn.execute("SELECT report_segments FROM surveys WHERE id = ?", (survey_id,)).fetchone()
    return row[0] if row else None


def queue_reminder_wave(conn: sqlite3.Connection, campaign_id: int, wave: int) -> int:
    """Queue reminder ``wave`` for the campaign's invitations that were sent in wave 0, are not
    used and never bounced; returns how many were queued."""
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
