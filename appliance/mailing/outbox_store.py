"""SQL of the outbox: one row per message, with its state. No Flask here.

The claiming and marking statements work on batches (one ``UPDATE ... RETURNING`` to claim, one
``executemany`` per kind of result): the sending engine runs them many times a second. Every
function joins the caller's transaction; the protocol they serve is described in ``outbox``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import timedelta

from appliance.db import iso, utcnow

STATES = ("queued", "claimed", "sent", "bounced", "failed", "suppressed", "cancelled")


def claim(conn: sqlite3.Connection, campaign_id: int, limit: int, now: float) -> list[sqlite3.Row]:
    """Inside a write transaction: mark up to ``limit`` queued messages that are due (``next_at``
    at most ``now``) as claimed, and return them with their invitation's link seed and the
    contact's sealed fields, oldest first."""
    ids = [
        r[0]
        for r in conn.execute(
            "UPDATE outbox SET state = 'claimed' WHERE id IN (SELECT id FROM outbox"
            " WHERE campaign_id = ? AND state = 'queued' AND next_at <= ? ORDER BY id LIMIT ?)"
            " RETURNING id",
            (campaign_id, now, limit),
        )
    ]
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return conn.execute(
        "SELECT o.id, o.wave, o.attempts, o.invitation_id, i.link_seed, c.id AS contact_id,"  # noqa: S608
        " c.email_hash, c.email, c.first_name, c.infix, c.last_name, c.gender, c.language"
        " FROM outbox o JOIN invitations i ON i.id = o.invitation_id"
        f" LEFT JOIN contacts c ON c.id = i.contact_id WHERE o.id IN ({marks}) ORDER BY o.id",
        ids,
    ).fetchall()


def claimed(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """(id, attempts) of every claimed message, of any campaign."""
    return conn.execute("SELECT id, attempts FROM outbox WHERE state = 'claimed'").fetchall()


def mark_sent(conn: sqlite3.Connection, ids: Sequence[int], unconfirmed: bool = False) -> None:
    now = iso(utcnow())
    conn.executemany(
        "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, error = '',"
        " unconfirmed = ? WHERE id = ? AND state = 'claimed'",
        ((now, int(unconfirmed), i) for i in ids),
    )


def mark_final(conn: sqlite3.Connection, state: str, results: Sequence[tuple[int, str]]) -> None:
    """bounced / failed / suppressed / cancelled, each with the reason shown to staff."""
    if state not in ("bounced", "failed", "suppressed", "cancelled"):
        raise ValueError(state)
    conn.executemany(
        "UPDATE outbox SET state = ?, error = ?, attempts = attempts + ?"
        " WHERE id = ? AND state = 'claimed'",
        ((state, error, int(state in ("bounced", "failed")), i) for i, error in results),
    )


def answered(conn: sqlite3.Connection, ids: Sequence[int]) -> list[int]:
    """Of the messages ``ids``, those whose invitation was used (its survey answered)."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return [
        r[0]
        for r in conn.execute(
            "SELECT o.id FROM outbox o JOIN invitations i ON i.id = o.invitation_id"  # noqa: S608
            f" WHERE o.id IN ({marks}) AND i.used = 1",
            list(ids),
        )
    ]


def retry_later(conn: sqlite3.Connection, results: Sequence[tuple[int, float, str]]) -> None:
    """Back to the queue after a temporary failure: (id, when, reason); counts an attempt."""
    conn.executemany(
        "UPDATE outbox SET state = 'queued', next_at = ?, error = ?, attempts = attempts + 1"
        " WHERE id = ? AND state = 'claimed'",
        ((when, error, i) for i, when, error in results),
    )


def release(conn: sqlite3.Connection, ids: Sequence[int]) -> None:
    """Back to the queue untouched (the sender stopped before trying them)."""
    conn.executemany(
        "UPDATE outbox SET state = 'queued' WHERE id = ? AND state = 'claimed'",
        ((i,) for i in ids),
    )


def cancel_queued(conn: sqlite3.Connection, campaign_id: int) -> int:
    return conn.execute(
        "UPDATE outbox SET state = 'cancelled', error = '' WHERE campaign_id = ?"
        " AND state = 'queued'",
        (campaign_id,),
    ).rowcount


def has_open(conn: sqlite3.Connection, campaign_id: int) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM outbox WHERE campaign_id = ? AND state IN ('queued', 'claimed') LIMIT 1",
            (campaign_id,),
        ).fetchone()
        is not None
    )


def totals(conn: sqlite3.Connection, campaign_id: int) -> dict[str, int]:
    """state -> number of messages over all waves (every state present)."""
    out = dict.fromkeys(STATES, 0)
    for state, number in conn.execute(
        "SELECT state, count(*) FROM outbox WHERE campaign_id = ? GROUP BY state", (campaign_id,)
    ):
        out[state] = number
    return out


def counts(conn: sqlite3.Connection, campaign_id: int) -> dict[int, dict[str, int]]:
    """wave -> state -> number of messages."""
    out: dict[int, dict[str, int]] = {}
    for wave, state, number in conn.execute(
        "SELECT wave, state, count(*) FROM outbox WHERE campaign_id = ? GROUP BY wave, state",
        (campaign_id,),
    ):
        out.setdefault(wave, dict.fromkeys(STATES, 0))[state] = number
    return out


def problems(conn: sqlite3.Connection, campaign_id: int, limit: int = 500) -> list[sqlite3.Row]:
    """Bounced and failed messages with their contact, for staff (identity plane)."""
    return conn.execute(
        "SELECT o.id, o.wave, o.state, o.error, o.attempts, i.contact_id, c.email"
        " FROM outbox o JOIN invitations i ON i.id = o.invitation_id"
        " LEFT JOIN contacts c ON c.id = i.contact_id"
        " WHERE o.campaign_id = ? AND o.state IN ('bounced', 'failed') ORDER BY o.id LIMIT ?",
        (campaign_id, limit),
    ).fetchall()


def sent_in_last(conn: sqlite3.Connection, campaign_id: int, seconds: int) -> int:
    """Messages sent in the last ``seconds`` (the speed behind the estimate of time left)."""
    since = iso(utcnow() - timedelta(seconds=seconds))
    return conn.execute(
        "SELECT count(*) FROM outbox WHERE campaign_id = ? AND state = 'sent' AND sent_at >= ?",
        (campaign_id, since),
    ).fetchone()[0]
