"""SQL of the outbox: one row per message, claimed, sent and marked so that a crash or restart
neither sends a message twice nor loses one.

The protocol (see ``sender``): a sender claims a batch (queued -> claimed) in one transaction;
just before the relay can accept a message (before the final "." of SMTP DATA, or the rename of
an .eml file) its id is appended to a journal file; results are marked in batches. After a crash,
:func:`recover` turns claimed rows that are in the journal into ``sent`` (flagged unconfirmed: the
relay had the message, the reply was not recorded) and puts the others back in the queue, which
is safe because the relay never got their end of data.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from appliance.db import iso, utcnow

STATES = ("queued", "claimed", "sent", "bounced", "failed", "suppressed", "cancelled")


@dataclass(frozen=True)
class Claimed:
    """One message to send: the outbox row and what rendering needs of the contact."""

    id: int
    wave: int
    attempts: int
    invitation_id: int
    link_seed: bytes
    contact_id: int | None
    email_hash: bytes | None
    fields: dict[str, bytes]  # encrypted contact fields, decrypted by the renderer
    language: str | None


FIELDS = ("email", "first_name", "infix", "last_name", "gender")


def _sealed(row: sqlite3.Row) -> dict[str, bytes]:
    """The contact's encrypted fields that rendering needs (decrypted by the renderer)."""
    return {name: row[name] for name in FIELDS if row[name] is not None}


def preview_item(contact: sqlite3.Row, link_seed: bytes, unsubscribe_hash: bytes) -> Claimed:
    """A message-to-be for a contact that is not in any outbox (template previews and test
    messages). Its survey link leads nowhere (no invitation has that seed), and its unsubscribe
    link names ``unsubscribe_hash``, not the contact, so a click in a preview unsubscribes no
    one."""
    return Claimed(
        0,
        0,
        0,
        0,
        link_seed,
        contact["id"],
        unsubscribe_hash,
        _sealed(contact),
        contact["language"],
    )


def claim(
    conn: sqlite3.Connection, campaign_id: int, limit: int, now: float | None = None
) -> list[Claimed]:
    """Inside a write transaction: take up to ``limit`` queued messages that are due."""
    now = time.time() if now is None else now
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
    rows = conn.execute(
        "SELECT o.id, o.wave, o.attempts, o.invitation_id, i.link_seed, c.id AS contact_id,"  # noqa: S608
        " c.email_hash, c.email, c.first_name, c.infix, c.last_name, c.gender, c.language"
        " FROM outbox o JOIN invitations i ON i.id = o.invitation_id"
        f" LEFT JOIN contacts c ON c.id = i.contact_id WHERE o.id IN ({marks}) ORDER BY o.id",
        ids,
    )
    return [
        Claimed(
            r["id"],
            r["wave"],
            r["attempts"],
            r["invitation_id"],
            bytes(r["link_seed"] or b""),
            r["contact_id"],
            bytes(r["email_hash"]) if r["email_hash"] is not None else None,
            _sealed(r),
            r["language"],
        )
        for r in rows
    ]


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


def recover(conn: sqlite3.Connection, handed_over: set[tuple[int, int]]) -> tuple[int, int]:
    """After a sender died: claimed rows it handed to the relay in their present attempt
    (journal entries are (id, attempts)) count as sent (unconfirmed), the rest go back to the
    queue. Returns (sent, requeued). Inside a write transaction, while no sender runs."""
    claimed = list(conn.execute("SELECT id, attempts FROM outbox WHERE state = 'claimed'"))
    sent = [i for i, attempts in claimed if (i, attempts) in handed_over]
    mark_sent(conn, sent, unconfirmed=True)
    back = [i for i, attempts in claimed if (i, attempts) not in handed_over]
    release(conn, back)
    return len(sent), len(back)


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
