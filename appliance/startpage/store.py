"""SQL of the start pages. Staff's queries read the response and identity planes as their
other pages do; the admin's read no contact and no response (only counts of messages)."""

from __future__ import annotations

import sqlite3

CURRENT_CAMPAIGNS = ("scheduled", "active", "paused")


def open_surveys(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Open surveys, newest first: responses in all, and for the invitations sent so far how
    many were sent (``invited``) and answered (``answered``): the response rate."""
    return conn.execute(
        "SELECT s.id, s.title, s.opens_on, s.closes_on,"
        " (SELECT count(*) FROM responses r WHERE r.survey_id = s.id) AS responses,"
        " (SELECT coalesce(sum(c.recipients), 0) FROM campaigns c WHERE c.survey_id = s.id"
        "  AND c.started_at IS NOT NULL) AS invited,"
        " (SELECT coalesce(sum(c.responses), 0) FROM campaigns c WHERE c.survey_id = s.id"
        "  AND c.started_at IS NOT NULL) AS answered"
        " FROM surveys s WHERE s.status = 'open' ORDER BY s.id DESC"
    ).fetchall()


def current_campaigns(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Campaigns still sending, paused or waiting for their send time; soonest first."""
    return conn.execute(
        "SELECT c.id, c.name, c.status, c.send_at, c.recipients, s.title AS survey_title,"
        " (SELECT count(*) FROM outbox o WHERE o.campaign_id = c.id AND o.wave = 0"
        "  AND o.state = 'sent') AS sent"
        " FROM campaigns c JOIN surveys s ON s.id = c.survey_id"
        " WHERE c.status IN (?, ?, ?) ORDER BY c.status != 'active', c.send_at, c.id",
        CURRENT_CAMPAIGNS,
    ).fetchall()


def mail_activity(conn: sqlite3.Connection) -> sqlite3.Row:
    """When the last campaign message was handed to the relay, and how many messages wait for
    another attempt after a failed one (a relay that does not answer shows here first)."""
    return conn.execute(
        "SELECT (SELECT max(sent_at) FROM outbox WHERE state = 'sent') AS last_sent,"
        " (SELECT count(*) FROM outbox WHERE state = 'queued' AND attempts > 0) AS retrying,"
        " (SELECT count(*) FROM outbox WHERE state = 'failed') AS failed"
    ).fetchone()


def last_test_mail(conn: sqlite3.Connection) -> sqlite3.Row | None:
    """The admin's last "send a test message" and its result."""
    return conn.execute(
        "SELECT at, action, details FROM audit_log"
        " WHERE action IN ('mail.test_sent', 'mail.test_failed') ORDER BY id DESC LIMIT 1"
    ).fetchone()


def newest_audit_id(conn: sqlite3.Connection) -> int:
    """The id of the audit log's newest entry kept; 0 when none is kept."""
    return conn.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]
