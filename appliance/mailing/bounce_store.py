"""SQL of bounces: return-path tokens of the outbox, what a bounce does to its message, the hard
bounces per address and campaign, the counts of a campaign's bounces and the last reading of
the return mailbox. No Flask here; every function joins the caller's transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from appliance.db import iso, utcnow

# The ``error`` of a message the sender did not send because the address is undeliverable.
UNDELIVERABLE = "undeliverable"
SOURCE = "bounce"  # the suppression list's source of undeliverable addresses


def draw_tokens(
    conn: sqlite3.Connection, ids: Sequence[int], fresh: Iterable[bytes]
) -> dict[int, bytes]:
    """Give each outbox row of ``ids`` without a return-path token one of ``fresh`` (one per
    id, in order) and return every row's token (a retried message keeps its first)."""
    if not ids:
        return {}
    conn.executemany(
        "UPDATE outbox SET return_token = ? WHERE id = ? AND return_token IS NULL",
        zip(fresh, ids, strict=False),
    )
    marks = ",".join("?" * len(ids))
    return {
        r[0]: bytes(r[1])
        for r in conn.execute(
            f"SELECT id, return_token FROM outbox WHERE id IN ({marks})",  # noqa: S608
            list(ids),
        )
    }


def by_token(conn: sqlite3.Connection, token: bytes) -> sqlite3.Row | None:
    """The outbox row a return path names, with its campaign and the contact's address hash
    (None when the contact was erased)."""
    return conn.execute(
        "SELECT o.id, o.campaign_id, o.invitation_id, o.state, o.attempts, c.email_hash"
        " FROM outbox o JOIN invitations i ON i.id = o.invitation_id"
        " LEFT JOIN contacts c ON c.id = i.contact_id WHERE o.return_token = ?",
        (token,),
    ).fetchone()


def mark_bounced(conn: sqlite3.Connection, outbox_id: int, reason: str) -> bool:
    """A hard bounce: a message sent (or waiting for its next try) is bounced; False when it
    was bounced already (the same bounce read twice) or is in another state."""
    return (
        conn.execute(
            "UPDATE outbox SET state = 'bounced', error = ? WHERE id = ?"
            " AND state IN ('sent', 'queued')",
            (reason, outbox_id),
        ).rowcount
        == 1
    )


def cancel_later(conn: sqlite3.Connection, invitation_id: int, reason: str) -> int:
    """Withdraw the invitation's queued messages (a reminder) after a hard bounce."""
    return conn.execute(
        "UPDATE outbox SET state = 'cancelled', error = ? WHERE invitation_id = ?"
        " AND state = 'queued'",
        (reason, invitation_id),
    ).rowcount


def retry_after_bounce(conn: sqlite3.Connection, outbox_id: int, when: float, reason: str) -> bool:
    """A soft bounce of a sent message: queued again for ``when``, counted; False when the
    message is no longer 'sent' (the same bounce read twice)."""
    return (
        conn.execute(
            "UPDATE outbox SET state = 'queued', next_at = ?, error = ?,"
            " soft_bounces = soft_bounces + 1 WHERE id = ? AND state = 'sent'",
            (when, reason, outbox_id),
        ).rowcount
        == 1
    )


def fail_after_bounce(conn: sqlite3.Connection, outbox_id: int, reason: str) -> bool:
    """A soft bounce of a message out of attempts: failed, counted."""
    return (
        conn.execute(
            "UPDATE outbox SET state = 'failed', error = ?, soft_bounces = soft_bounces + 1"
            " WHERE id = ? AND state = 'sent'",
            (reason, outbox_id),
        ).rowcount
        == 1
    )


def fail_message(conn: sqlite3.Connection, outbox_id: int, reason: str) -> bool:
    """A permanent failure that is no fault of the address (policy, the remote system): the
    message failed; False when it was failed already or is in another state."""
    return (
        conn.execute(
            "UPDATE outbox SET state = 'failed', error = ? WHERE id = ?"
            " AND state IN ('sent', 'queued')",
            (reason, outbox_id),
        ).rowcount
        == 1
    )


def drop_after_bounce(conn: sqlite3.Connection, outbox_id: int, reason: str) -> bool:
    """A soft bounce of a message whose invitation was answered meanwhile: not sent again
    (cancelled with ``reason``), counted."""
    return (
        conn.execute(
            "UPDATE outbox SET state = 'cancelled', error = ?, soft_bounces = soft_bounces + 1"
            " WHERE id = ? AND state = 'sent'",
            (reason, outbox_id),
        ).rowcount
        == 1
    )


def answered(conn: sqlite3.Connection, invitation_id: int) -> bool:
    """Whether the invitation was used (its survey answered), as reminders are skipped for."""
    row = conn.execute("SELECT used FROM invitations WHERE id = ?", (invitation_id,)).fetchone()
    return bool(row and row[0])


def reopen_campaign(conn: sqlite3.Connection, campaign_id: int) -> bool:
    """A campaign marked done gets a message to send again (a soft bounce): active again."""
    return (
        conn.execute(
            "UPDATE campaigns SET status = 'active', finished_at = NULL, not_before = 0"
            " WHERE id = ? AND status = 'done'",
            (campaign_id,),
        ).rowcount
        == 1
    )


def campaign_status(conn: sqlite3.Connection, campaign_id: int) -> str:
    row = conn.execute("SELECT status FROM campaigns WHERE id = ?", (campaign_id,)).fetchone()
    return row[0] if row else ""


def count_for_campaign(conn: sqlite3.Connection, campaign_id: int, column: str) -> None:
    """One more automatic reply (``auto_replies``), challenge (``challenges``) or delay
    warning (``delays``)."""
    if column not in ("auto_replies", "challenges", "delays"):
        raise ValueError(column)
    conn.execute(
        f"INSERT INTO bounce_counts (campaign_id, {column}) VALUES (?, 1)"  # noqa: S608
        f" ON CONFLICT(campaign_id) DO UPDATE SET {column} = {column} + 1",
        (campaign_id,),
    )


# ---- hard bounces per address -----------------------------------------------------------------


def hard_of_messages(conn: sqlite3.Connection, outbox_ids: Sequence[int]) -> list[tuple]:
    """(address hash, campaign id) of the messages ``outbox_ids`` whose contact still exists."""
    if not outbox_ids:
        return []
    marks = ",".join("?" * len(outbox_ids))
    return [
        (bytes(r[0]), r[1])
        for r in conn.execute(
            "SELECT c.email_hash, o.campaign_id FROM outbox o"  # noqa: S608
            " JOIN invitations i ON i.id = o.invitation_id JOIN contacts c ON c.id = i.contact_id"
            f" WHERE o.id IN ({marks}) AND c.email_hash IS NOT NULL",
            list(outbox_ids),
        )
    ]


def add_marks(conn: sqlite3.Connection, marks: Iterable[tuple[bytes, int]]) -> None:
    now = iso(utcnow())
    conn.executemany(
        "INSERT OR IGNORE INTO bounce_marks (email_hash, campaign_id, marked_at) VALUES (?, ?, ?)",
        ((h, c, now) for h, c in marks),
    )


def campaigns_marked(conn: sqlite3.Connection, email_hash: bytes, since: str) -> int:
    """How many campaigns marked the address at ``since`` (ISO time) or later."""
    return conn.execute(
        "SELECT count(*) FROM bounce_marks WHERE email_hash = ? AND marked_at >= ?",
        (email_hash, since),
    ).fetchone()[0]


def forget_marks(conn: sqlite3.Connection, email_hash: bytes) -> None:
    """The address is on the suppression list now: its marks have served."""
    conn.execute("DELETE FROM bounce_marks WHERE email_hash = ?", (email_hash,))


def prune_marks(conn: sqlite3.Connection, before: str) -> int:
    """Drop marks older than ``before`` (ISO time): a hard bounce long ago counts no more."""
    return conn.execute("DELETE FROM bounce_marks WHERE marked_at < ?", (before,)).rowcount


def undeliverable(conn: sqlite3.Connection, hashes: Sequence[bytes]) -> set[bytes]:
    """Which of ``hashes`` are on the suppression list as undeliverable."""
    found: set[bytes] = set()
    for start in range(0, len(hashes), 10_000):
        part = list(hashes[start : start + 10_000])
        marks = ",".join("?" * len(part))
        found.update(
            bytes(r[0])
            for r in conn.execute(
                f"SELECT email_hash FROM suppressions WHERE source = ?"  # noqa: S608
                f" AND email_hash IN ({marks})",
                [SOURCE, *part],
            )
        )
    return found


def any_undeliverable(conn: sqlite3.Connection) -> bool:
    return (
        conn.execute("SELECT 1 FROM suppressions WHERE source = ? LIMIT 1", (SOURCE,)).fetchone()
        is not None
    )


def mark_undeliverable(conn: sqlite3.Connection, outbox_ids: Sequence[int]) -> None:
    """Say why these suppressed messages were not sent (the sender marked them suppressed)."""
    conn.executemany(
        "UPDATE outbox SET error = ? WHERE id = ? AND state = 'suppressed'",
        ((UNDELIVERABLE, i) for i in outbox_ids),
    )


# ---- what the campaign page shows ---------------------------------------------------------------


def campaign_counts(conn: sqlite3.Connection, campaign_id: int) -> dict[str, int]:
    """hard (bounced messages), soft (final temporary failures reported by a bounce),
    undeliverable (messages not sent for that reason), auto_replies, challenges and delays
    (delay warnings)."""
    hard, soft, skipped = conn.execute(
        "SELECT coalesce(sum(state = 'bounced'), 0), coalesce(sum(soft_bounces), 0),"
        " coalesce(sum(state = 'suppressed' AND error = ?), 0) FROM outbox WHERE campaign_id = ?",
        (UNDELIVERABLE, campaign_id),
    ).fetchone()
    row = conn.execute(
        "SELECT auto_replies, challenges, delays FROM bounce_counts WHERE campaign_id = ?",
        (campaign_id,),
    ).fetchone()
    return {
        "hard": hard,
        "soft": soft,
        "undeliverable": skipped,
        "auto_replies": row[0] if row else 0,
        "challenges": row[1] if row else 0,
        "delays": row[2] if row else 0,
    }


# ---- the last reading of the mailbox ------------------------------------------------------------


def last_check(conn: sqlite3.Connection) -> dict[str, Any] | None:
    row = conn.execute("SELECT checked_at, outcome, problem FROM bounce_checks WHERE id = 1")
    found = row.fetchone()
    if found is None:
        return None
    return {"at": found[0], "outcome": json.loads(found[1]), "problem": found[2]}


def set_last_check(
    conn: sqlite3.Connection, at: float, outcome: dict[str, int], problem: str
) -> None:
    conn.execute(
        "INSERT INTO bounce_checks (id, checked_at, outcome, problem) VALUES (1, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET checked_at = excluded.checked_at,"
        " outcome = excluded.outcome, problem = excluded.problem",
        (at, json.dumps(outcome), problem),
    )


def position(conn: sqlite3.Connection) -> str:
    """Where the last reading of an IMAP mailbox stopped ('' when none did)."""
    row = conn.execute("SELECT position FROM bounce_checks WHERE id = 1").fetchone()
    return row[0] if row else ""


def set_position(conn: sqlite3.Connection, at: float, where: str, not_expunged: int) -> None:
    """Keep where the reading stopped, and how many settled messages it could only flag for
    deletion (``not_expunged`` in the outcome)."""
    conn.execute(
        "INSERT INTO bounce_checks (id, checked_at, position) VALUES (1, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET position = excluded.position,"
        " outcome = json_set(outcome, '$.not_expunged', ?)",
        (at, where, not_expunged),
    )
