"""The outbox protocol: one row per message, claimed, sent and marked so that a crash or restart
neither sends a message twice nor loses one (its SQL: ``outbox_store``).

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
from dataclasses import dataclass

from appliance.mailing import outbox_store


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
        for r in outbox_store.claim(conn, campaign_id, limit, now)
    ]


def recover(conn: sqlite3.Connection, handed_over: set[tuple[int, int]]) -> tuple[int, int]:
    """After a sender died: claimed rows it handed to the relay in their present attempt
    (journal entries are (id, attempts)) count as sent (unconfirmed), the rest go back to the
    queue. Returns (sent, requeued). Inside a write transaction, while no sender runs."""
    claimed = outbox_store.claimed(conn)
    sent = [i for i, attempts in claimed if (i, attempts) in handed_over]
    outbox_store.mark_sent(conn, sent, unconfirmed=True)
    back = [i for i, attempts in claimed if (i, attempts) not in handed_over]
    outbox_store.release(conn, back)
    return len(sent), len(back)
