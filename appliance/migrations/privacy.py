"""Migrations of privacy operations: retention, data-subject requests, audit summaries."""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0015_privacy_operations(db: Database) -> None:
    run(
        db,
        # When a survey was closed: contact data used for it is kept a fixed time after this.
        "ALTER TABLE surveys ADD COLUMN closed_at TEXT",
        "UPDATE surveys SET closed_at = updated_at WHERE status = 'closed'",
        # Erasing a contact sets these references to NULL; without an index each erased row
        # would scan the whole table.
        "CREATE INDEX invitations_contact ON invitations(contact_id) WHERE contact_id IS NOT NULL",
        "CREATE INDEX contact_requests_contact ON contact_requests(contact_id)"
        " WHERE contact_id IS NOT NULL",
        "CREATE INDEX contacts_email ON contacts(email_hash)",
        "CREATE INDEX contacts_import ON contacts(import_id)",
        "CREATE INDEX name_answers_day ON name_answers(submitted_on)",
        # The register of data-subject requests. It never holds the person's address: staff
        # give a reference of their own (a ticket number, "letter of 3 May").
        """CREATE TABLE privacy_requests (
            id INTEGER PRIMARY KEY,
            received_on TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN
                ('access', 'rectification', 'erasure', 'restriction', 'objection', 'other')),
            reference TEXT NOT NULL DEFAULT '',
            deadline TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'refused')),
            outcome TEXT NOT NULL DEFAULT '',
            handled_by INTEGER REFERENCES users(id),
            handled_on TEXT,
            created_by INTEGER REFERENCES users(id),
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX privacy_requests_open ON privacy_requests(status, deadline)",
        # Keyed hashes of people erased on request, with the moment: a restored backup taken
        # before the erasure must not bring them back (see appliance.privacy.reapply).
        """CREATE TABLE privacy_erasures (
            kind TEXT NOT NULL CHECK (kind IN ('email', 'phone')),
            digest BLOB NOT NULL,
            erased_at TEXT NOT NULL,
            PRIMARY KEY (kind, digest)
        ) WITHOUT ROWID""",
        # Signed stand-ins for audit-log entries past their retention: the chain of the entries
        # kept starts at ``tail_hash``, and each summary signs the one before it.
        """CREATE TABLE audit_summaries (
            id INTEGER PRIMARY KEY,
            first_id INTEGER NOT NULL,
            last_id INTEGER NOT NULL,
            entries INTEGER NOT NULL,
            first_at TEXT NOT NULL,
            last_at TEXT NOT NULL,
            actions TEXT NOT NULL,
            tail_hash TEXT NOT NULL,
            prev_signature TEXT NOT NULL,
            public_key TEXT NOT NULL,
            signature TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
    )
