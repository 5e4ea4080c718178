"""Migration 0033: bounces read from the return mailbox.

- ``outbox.return_token``: the random 128-bit token of a message's return path (VERP, see
  ``mailing.return_path``), unique where set; ``outbox.soft_bounces``: temporary failures
  reported for the message by a bounce (a delay warning or a final 4.x.x).
- ``bounce_marks``: one row per keyed address hash and campaign with a hard bounce (a relay's
  5xx or a bounce message); two campaigns put the address on the suppression list (source
  'bounce'). The hash is the contacts' ``email_hash`` (key rotation wraps it like that one).
- ``bounce_counts``: per campaign, the automatic replies and challenge requests that came back
  and were ignored, and the delay warnings (counts only).
- ``bounce_checks``: the one row of the last reading of the mailbox: when, what it found
  (counts), the problem if it failed, and ``position``: where an IMAP reading stopped
  ("UIDVALIDITY:UID", so the next one starts after it). No message, no address is kept.
"""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0033_bounces(db: Database) -> None:
    db["outbox"].add_column("return_token", bytes)
    db["outbox"].add_column("soft_bounces", int, not_null_default=0)
    db["bounce_checks"].create(
        {"id": int, "checked_at": float, "outcome": str, "problem": str, "position": str},
        pk="id",
        not_null={"checked_at", "outcome", "problem", "position"},
        defaults={"outcome": "{}", "problem": "", "position": ""},
    )
    run(
        db,
        # Partial: rows queued before a token is drawn (and older ones) have none.
        "CREATE UNIQUE INDEX outbox_return_token ON outbox(return_token)"
        " WHERE return_token IS NOT NULL",
        """CREATE TABLE bounce_marks (
            email_hash BLOB NOT NULL,
            campaign_id INTEGER NOT NULL,
            marked_at TEXT NOT NULL,
            PRIMARY KEY (email_hash, campaign_id)
        ) WITHOUT ROWID""",
        # SQL, not the builder: the builder writes no ON DELETE clause.
        """CREATE TABLE bounce_counts (
            campaign_id INTEGER PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
            auto_replies INTEGER NOT NULL DEFAULT 0,
            challenges INTEGER NOT NULL DEFAULT 0,
            delays INTEGER NOT NULL DEFAULT 0
        )""",
    )
