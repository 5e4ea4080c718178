"""Migration 0028: the call list of telephone campaigns (identity plane).

A telephone campaign is a row of ``campaigns`` with channel ``phone``; its own settings live
in ``phone_settings`` (no personal data). ``calls`` holds one row per contact to call, beside
the contact's invitation (the interview stores its response through it); ``call_attempts`` one
row per attempt with its time and outcome code. A complete or partial interview is recorded on
the call alone, without a time and without an attempt row: the day of a response and the time
of the call that produced it would otherwise link the two.
"""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run

# The bits of ``tried_parts`` and ``day_parts``: morning 9-12, afternoon 12-17, evening 17-21.
PART_BITS = (1, 2, 4)


def m0028_calls(db: Database) -> None:
    run(
        db,
        """CREATE TABLE phone_settings (
            campaign_id INTEGER PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
            max_attempts INTEGER NOT NULL DEFAULT 6 CHECK (max_attempts BETWEEN 1 AND 20),
            day_parts INTEGER NOT NULL DEFAULT 7 CHECK (day_parts BETWEEN 1 AND 7),
            min_gap_hours INTEGER NOT NULL DEFAULT 2 CHECK (min_gap_hours BETWEEN 0 AND 168),
            grace_minutes INTEGER NOT NULL DEFAULT 15 CHECK (grace_minutes BETWEEN 0 AND 240)
        )""",
        # status: open (on the list), closed (a final outcome, or the attempts used up),
        # suppressed (the number went on the "do not call" list before it was called).
        """CREATE TABLE calls (
            id INTEGER PRIMARY KEY,
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            invitation_id INTEGER NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'closed', 'suppressed')),
            last_outcome TEXT NOT NULL DEFAULT 'not_attempted',
            attempts INTEGER NOT NULL DEFAULT 0,
            tried_parts INTEGER NOT NULL DEFAULT 0,
            next_at REAL,
            appointment_at REAL,
            appointment_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            held_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            held_until REAL,
            UNIQUE (campaign_id, contact_id)
        )""",
        # Handing out the next call probes one of these per (tried in this part of the day or
        # not, attempts), each an equality and a range on next_at, in order until one finds a
        # free call; the columns it checks are in the index, so it never reads the table.
        *(
            f"CREATE INDEX calls_due_{bit} ON calls"
            f"(campaign_id, (tried_parts & {bit}), attempts, next_at, held_until)"
            " WHERE status = 'open'"
            for bit in PART_BITS
        ),
        "CREATE INDEX calls_appointments ON calls(campaign_id, appointment_at)"
        " WHERE status = 'open' AND appointment_at IS NOT NULL",
        "CREATE INDEX calls_held ON calls(held_by) WHERE held_by IS NOT NULL",
        # Erasing a contact or an invitation deletes its calls: without these, every such
        # delete would read the whole table.
        "CREATE INDEX calls_contact ON calls(contact_id)",
        "CREATE INDEX calls_invitation ON calls(invitation_id)",
        """CREATE TABLE call_attempts (
            id INTEGER PRIMARY KEY,
            call_id INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
            interviewer_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            at REAL NOT NULL,
            outcome TEXT NOT NULL
        )""",
        "CREATE INDEX call_attempts_call ON call_attempts(call_id)",
    )
