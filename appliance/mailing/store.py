"""SQL of mail templates and campaigns. No Flask here; the outbox has its own module.

Campaign status: ``scheduled`` (waits for send_at), ``active`` (the sender works on it and builds
reminder waves when due), ``paused`` (nothing is claimed; resumable), ``cancelled`` (queued
messages were cancelled; final), ``done`` (every wave built and delivered; final).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping

from appliance.db import iso, utcnow

FINAL = ("cancelled", "done")


# ---- templates ----------------------------------------------------------------------------------


def list_templates(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM mail_templates ORDER BY name COLLATE NOCASE").fetchall()


def get_template(conn: sqlite3.Connection, template_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM mail_templates WHERE id = ?", (template_id,)).fetchone()


def template_parts(row: sqlite3.Row) -> dict[str, dict[str, str]]:
    """language -> {"subject", "html", "text"}."""
    return json.loads(row["parts"])


def save_template(
    conn: sqlite3.Connection,
    template_id: int | None,
    name: str,
    style: str,
    fallback: str,
    parts: Mapping[str, Mapping[str, str]],
) -> int:
    """Insert (``template_id`` None) or update; returns the id. Check the parts first
    (``compose.check``); a duplicate name raises sqlite3.IntegrityError."""
    now = iso(utcnow())
    data = json.dumps(parts, ensure_ascii=False)
    if template_id is None:
        return conn.execute(
            "INSERT INTO mail_templates (name, style, fallback, parts, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (name.strip(), style, fallback, data, now, now),
        ).lastrowid
    conn.execute(
        "UPDATE mail_templates SET name = ?, style = ?, fallback = ?, parts = ?, updated_at = ?"
        " WHERE id = ?",
        (name.strip(), style, fallback, data, now, template_id),
    )
    return template_id


# ---- campaigns ----------------------------------------------------------------------------------


def create_campaign(
    conn: sqlite3.Connection,
    *,
    name: str,
    survey_id: int,
    list_id: int,
    segment_filter: Mapping[str, list[str]],
    template_id: int,
    reminder_template_id: int | None,
    send_at: float,
    reminders: int,
    reminder_days: int,
    user_id: int | None,
    channel: str = "email",
) -> int:
    return conn.execute(
        "INSERT INTO campaigns (name, survey_id, list_id, segment_filter, template_id,"
        " reminder_template_id, send_at, reminders, reminder_days, created_at, created_by,"
        " channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            name.strip(),
            survey_id,
            list_id,
            json.dumps(dict(segment_filter), ensure_ascii=False),
            template_id,
            reminder_template_id,
            send_at,
            reminders,
            reminder_days,
            iso(utcnow()),
            user_id,
            channel,
        ),
    ).lastrowid


def get_campaign(conn: sqlite3.Connection, campaign_id: int) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT c.*, s.title AS survey_title, s.status AS survey_status, l.name AS list_name"
        " FROM campaigns c JOIN surveys s ON s.id = c.survey_id"
        " JOIN contact_lists l ON l.id = c.list_id WHERE c.id = ?",
        (campaign_id,),
    ).fetchone()


def campaign_status(conn: sqlite3.Connection, campaign_id: int) -> str:
    """The campaign's status ('' for a campaign that does not exist)."""
    row = conn.execute("SELECT status FROM campaigns WHERE id = ?", (campaign_id,)).fetchone()
    return row[0] if row else ""


def list_campaigns(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT c.id, c.name, c.status, c.send_at, c.recipients, c.next_wave_at,"
        " c.waves_built, c.reminders, c.channel, s.title AS survey_title,"
        " l.name AS list_name,"
        " (SELECT count(*) FROM outbox o WHERE o.campaign_id = c.id AND o.wave = 0"
        "  AND o.state = 'sent') AS sent,"
        # A post campaign sends nothing: its first wave's letters are produced.
        " (SELECT max(r.letters) FROM letter_runs r WHERE r.campaign_id = c.id AND r.wave = 0)"
        "  AS letters"
        " FROM campaigns c JOIN surveys s ON s.id = c.survey_id"
        " JOIN contact_lists l ON l.id = c.list_id ORDER BY c.id DESC"
    ).fetchall()


def segment_filter(row: sqlite3.Row) -> dict[str, list[str]]:
    return json.loads(row["segment_filter"])


def skipped(row: sqlite3.Row) -> dict[str, int]:
    return json.loads(row["skipped"])


def set_status(
    conn: sqlite3.Connection, campaign_id: int, status: str, allowed_from: tuple[str, ...]
) -> bool:
    """Move to ``status`` only from one of ``allowed_from``; False when the campaign was not in
    such a state (a double click, or the sender finished it meanwhile)."""
    marks = ",".join("?" * len(allowed_from))
    finished = iso(utcnow()) if status in FINAL else None
    cur = conn.execute(
        f"UPDATE campaigns SET status = ?, finished_at = coalesce(?, finished_at)"  # noqa: S608
        f" WHERE id = ? AND status IN ({marks})",
        (status, finished, campaign_id, *allowed_from),
    )
    return cur.rowcount == 1


def started(conn: sqlite3.Connection, campaign_id: int, recipients: int, skipped: dict) -> None:
    conn.execute(
        "UPDATE campaigns SET status = 'active', started_at = ?, recipients = ?, skipped = ?,"
        " waves_built = 1 WHERE id = ?",
        (iso(utcnow()), recipients, json.dumps(skipped), campaign_id),
    )


def set_skipped(conn: sqlite3.Connection, campaign_id: int, skipped: dict[str, int]) -> None:
    conn.execute(
        "UPDATE campaigns SET skipped = ? WHERE id = ?", (json.dumps(skipped), campaign_id)
    )


def wave_built(conn: sqlite3.Connection, campaign_id: int, waves: int, next_at: float | None):
    conn.execute(
        "UPDATE campaigns SET waves_built = ?, next_wave_at = ? WHERE id = ?",
        (waves, next_at, campaign_id),
    )


def set_message(
    conn: sqlite3.Connection, campaign_id: int, message: str, not_before: float = 0
) -> None:
    conn.execute(
        "UPDATE campaigns SET message = ?, not_before = ? WHERE id = ?",
        (message, not_before, campaign_id),
    )


def due(conn: sqlite3.Connection, now: float | None = None) -> list[sqlite3.Row]:
    """E-mail campaigns the sender should look at now: scheduled ones whose time has come, and
    active ones not held back after a relay failure (post campaigns are staff's downloads)."""
    now = time.time() if now is None else now
    return conn.execute(
        "SELECT * FROM campaigns WHERE ((status = 'scheduled' AND send_at <= ?)"
        " OR status = 'active') AND not_before <= ? AND channel = 'email' ORDER BY send_at, id",
        (now, now),
    ).fetchall()


def reschedule(conn: sqlite3.Connection, campaign_id: int, send_at: float) -> bool:
    """Move a campaign that has not started to ``send_at``; False when it is not scheduled
    (started, paused, or final meanwhile)."""
    cur = conn.execute(
        "UPDATE campaigns SET send_at = ? WHERE id = ? AND status = 'scheduled'",
        (send_at, campaign_id),
    )
    return cur.rowcount == 1
