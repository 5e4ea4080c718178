"""The foundation, migrations 0001-0011: accounts, audit, surveys, the identity and response
planes, kiosks; and :func:`run`, which every migration module uses.

Never edit a migration that has shipped; add a new one. Each runs inside one transaction, so each
function executes statements one at a time (``executescript`` would commit half-way).

Tables are grouped by plane (see ``appliance.planes``): accounts and audit are the system plane;
``surveys`` anchors the response plane; ``contacts`` and what hangs off it the identity plane.
"""

from __future__ import annotations

from sqlite_utils import Database


def run(db: Database, *statements: str) -> None:
    """Execute ``statements`` one by one inside the migration's transaction."""
    for statement in statements:
        db.execute(statement)


def m0001_accounts(db: Database) -> None:
    run(
        db,
        """CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'researcher')),
            password_hash TEXT NOT NULL,
            password_changed_at TEXT NOT NULL,
            language TEXT CHECK (language IS NULL OR language IN ('nl', 'en')),
            valid_from TEXT,
            valid_until TEXT,
            totp_secret BLOB,
            totp_enabled INTEGER NOT NULL DEFAULT 0,
            totp_last_step INTEGER NOT NULL DEFAULT 0,
            disabled_at TEXT,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE recovery_codes (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            code_hash BLOB NOT NULL,
            used_at TEXT
        )""",
        "CREATE INDEX recovery_codes_user ON recovery_codes(user_id)",
        # Server-side sessions: the cookie holds a random id; only its SHA-256 is stored, so a
        # copy of the database does not yield live sessions.
        """CREATE TABLE sessions (
            id_hash BLOB PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            stage TEXT NOT NULL CHECK (stage IN ('password', 'enrol', 'full')),
            created_at REAL NOT NULL,
            last_seen REAL NOT NULL,
            totp_failures INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX sessions_user ON sessions(user_id)",
        # Throttle keys are keyed hashes of 'account:<name>' / 'address:<ip>', not plain values.
        """CREATE TABLE login_failures (
            id INTEGER PRIMARY KEY,
            key BLOB NOT NULL,
            at REAL NOT NULL
        )""",
        "CREATE INDEX login_failures_key ON login_failures(key, at)",
        """CREATE TABLE setup_codes (
            code_hash BLOB PRIMARY KEY,
            expires_at REAL NOT NULL,
            used_at TEXT
        )""",
        """CREATE TABLE setting_overrides (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            changed_by INTEGER REFERENCES users(id)
        )""",
    )


def m0002_audit_log(db: Database) -> None:
    run(
        db,
        """CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor_id INTEGER,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            details TEXT NOT NULL DEFAULT '{}',
            address TEXT NOT NULL DEFAULT '',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )""",
        "CREATE INDEX audit_log_action ON audit_log(action)",
        "CREATE INDEX audit_log_actor ON audit_log(actor_id)",
        # Append-only inside the application; the hash chain catches edits made around it.
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
        """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    )


def m0003_surveys_and_grants(db: Database) -> None:
    run(
        db,
        # Response plane anchor; migration 0006 adds the questionnaire itself.
        """CREATE TABLE surveys (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'open', 'closed')),
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE researcher_grants (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            PRIMARY KEY (user_id, survey_id)
        )""",
    )


def m0004_identity_plane(db: Database) -> None:
    run(
        db,
        """CREATE TABLE contact_lists (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id)
        )""",
        # One row per import batch: lawful basis, who, counts. Its contacts are visible only
        # once status is 'done'; rows of any other state are removed by the clean-up.
        """CREATE TABLE contact_imports (
            id INTEGER PRIMARY KEY,
            list_id INTEGER NOT NULL REFERENCES contact_lists(id) ON DELETE CASCADE,
            basis TEXT NOT NULL CHECK (basis IN ('consent', 'legitimate_interest')),
            purpose TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'done', 'failed', 'cancelled', 'undone')),
            rows_seen INTEGER NOT NULL DEFAULT 0,
            added INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            duplicate INTEGER NOT NULL DEFAULT 0,
            invalid INTEGER NOT NULL DEFAULT 0,
            suppressed INTEGER NOT NULL DEFAULT 0,
            dropped_columns TEXT NOT NULL DEFAULT '[]',
            message TEXT NOT NULL DEFAULT '',
            used_in_mailing INTEGER NOT NULL DEFAULT 0,
            heartbeat REAL NOT NULL DEFAULT 0,
            fraction REAL NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id),
            finished_at TEXT
        )""",
        # Personal fields are AES-GCM ciphertexts bound to (contacts, column, id); email_hash is
        # the keyed hash of the normalised address. Segments are non-identifying JSON.
        """CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            list_id INTEGER NOT NULL REFERENCES contact_lists(id) ON DELETE CASCADE,
            import_id INTEGER NOT NULL REFERENCES contact_imports(id) ON DELETE CASCADE,
            replaces_id INTEGER,
            email_hash BLOB,
            email BLOB, first_name BLOB, infix BLOB, last_name BLOB, gender BLOB,
            street BLOB, house_number BLOB, postcode BLOB, town BLOB, country BLOB, phone BLOB,
            language TEXT,
            segments TEXT NOT NULL DEFAULT '{}'
        )""",
        # One index serves both needs: within one import an address appears once (first row
        # wins; later ones are counted as duplicates by INSERT OR IGNORE, never by a per-row
        # SELECT), and its (list, address) prefix finds the contact a newer row replaces.
        "CREATE UNIQUE INDEX contacts_list_email ON contacts(list_id, email_hash, import_id)",
        # Only rows that replace an older contact carry replaces_id: a small partial index.
        "CREATE INDEX contacts_replaces ON contacts(replaces_id) WHERE replaces_id IS NOT NULL",
        # Invalid rows, sealed like contacts, so staff can download and fix them.
        """CREATE TABLE import_rejects (
            id INTEGER PRIMARY KEY,
            import_id INTEGER NOT NULL REFERENCES contact_imports(id) ON DELETE CASCADE,
            row_number INTEGER NOT NULL,
            reason TEXT NOT NULL,
            row_data BLOB NOT NULL
        )""",
        "CREATE INDEX import_rejects_import ON import_rejects(import_id)",
        # The organisation-wide unsubscribe list: keyed hashes only, kept indefinitely.
        """CREATE TABLE suppressions (
            email_hash BLOB PRIMARY KEY,
            created_at TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('unsubscribe', 'staff', 'upload', 'bounce'))
        ) WITHOUT ROWID""",
        """CREATE TABLE mapping_presets (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            mapping TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
    )


def m0005_api_tokens(db: Database) -> None:
    run(
        db,
        # Per-user tokens for the HTTP API; only the SHA-256 of a token is stored.
        """CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            token_hash BLOB NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            last_used_at TEXT,
            revoked_at TEXT
        )""",
        "CREATE INDEX api_tokens_user ON api_tokens(user_id)",
    )


def m0006_response_plane(db: Database) -> None:
    run(
        db,
        "ALTER TABLE surveys ADD COLUMN definition TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE surveys ADD COLUMN opens_on TEXT",
        "ALTER TABLE surveys ADD COLUMN closes_on TEXT",
        "ALTER TABLE surveys ADD COLUMN updated_at TEXT",
        # Identity plane: one invitation per contact and survey. It records only that it was
        # used, never when, so it cannot be matched to a response by time.
        """CREATE TABLE invitations (
            id INTEGER PRIMARY KEY,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
            token_hash BLOB NOT NULL UNIQUE,
            used INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX invitations_survey ON invitations(survey_id)",
        # Response plane: no contact id, no invitation id, no address, no user agent, the day
        # only. The key is 128 random bits and the table is clustered on it (WITHOUT ROWID), so
        # neither ids nor storage order follow the order in which responses came in.
        """CREATE TABLE responses (
            id TEXT PRIMARY KEY,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            mode TEXT NOT NULL CHECK (mode IN ('invitation', 'link', 'kiosk', 'paper', 'phone')),
            submitted_on TEXT NOT NULL,
            language TEXT NOT NULL,
            segments TEXT NOT NULL DEFAULT '{}',
            answers TEXT NOT NULL,
            duration_s INTEGER,
            flags TEXT NOT NULL DEFAULT '[]',
            excluded_reason TEXT,
            excluded_on TEXT
        ) WITHOUT ROWID""",
        "CREATE INDEX responses_survey ON responses(survey_id, submitted_on)",
        "CREATE INDEX responses_duration ON responses(survey_id, duration_s)",
        # Keyed hashes of normalised open answers, to flag copied text in O(log n). No response
        # id: a hash says only that some response of the survey gave this text before.
        """CREATE TABLE open_text_hashes (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            question_id TEXT NOT NULL,
            digest BLOB NOT NULL,
            PRIMARY KEY (survey_id, question_id, digest)
        ) WITHOUT ROWID""",
        # A name typed into a name field: sealed, kept apart so retention can erase it alone.
        """CREATE TABLE name_answers (
            response_id TEXT PRIMARY KEY REFERENCES responses(id) ON DELETE CASCADE,
            question_id TEXT NOT NULL,
            value BLOB NOT NULL,
            submitted_on TEXT NOT NULL
        ) WITHOUT ROWID""",
        # Idempotency: the keyed hash of the random key each rendered form carries.
        """CREATE TABLE submissions (
            key_hash BLOB PRIMARY KEY,
            response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
            submitted_on TEXT NOT NULL
        ) WITHOUT ROWID""",
    )


def m0007_survey_links(db: Database) -> None:
    run(
        db,
        # The open link's token: 128 random bits, so survey links cannot be guessed in turn.
        "ALTER TABLE surveys ADD COLUMN link_token TEXT",
        "CREATE UNIQUE INDEX surveys_link_token ON surveys(link_token)",
    )


def m0008_contact_requests(db: Database) -> None:
    run(
        db,
        # Identity plane: the one explicit link between a response and a person, made only when
        # the respondent said "yes, contact me", with the exact wording they saw.
        """CREATE TABLE contact_requests (
            id INTEGER PRIMARY KEY,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
            response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
            consent_text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            handled_at TEXT
        )""",
        "CREATE INDEX contact_requests_response ON contact_requests(response_id)",
    )


def m0009_kiosks(db: Database) -> None:
    run(
        db,
        # A tablet or terminal on site, registered by staff; its device key is stored hashed.
        """CREATE TABLE kiosks (
            id INTEGER PRIMARY KEY,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            key_hash BLOB NOT NULL UNIQUE,
            idle_seconds INTEGER NOT NULL DEFAULT 60,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        )""",
    )


def m0010_response_contacts(db: Database) -> None:
    run(
        db,
        # Identity plane: in a non-anonymous survey (announced on the invitation and the first
        # page), which invited contact gave a response. Anonymous surveys never write here.
        """CREATE TABLE response_contacts (
            response_id TEXT PRIMARY KEY REFERENCES responses(id) ON DELETE CASCADE,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL
        ) WITHOUT ROWID""",
        "CREATE INDEX response_contacts_contact ON response_contacts(contact_id)",
    )


def m0011_kiosk_idle_action(db: Database) -> None:
    run(
        db,
        # What a kiosk does with a walked-away respondent's answers: discard them, or store
        # what was answered (flagged "partial").
        "ALTER TABLE kiosks ADD COLUMN on_idle TEXT NOT NULL DEFAULT 'discard'"
        " CHECK (on_idle IN ('discard', 'submit'))",
    )
