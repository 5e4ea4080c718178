"""Migration 0016: segment values fixed per invitation, and offered values per survey."""

from __future__ import annotations

import json

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0016_invitation_segments(db: Database) -> None:
    run(
        db,
        # The segment values a response of this invitation will carry, fixed (and coarsened so
        # that each combination is shared by at least k invitations) when the wave is built.
        # NULL for invitations made before: settled at the next start, with the configured k.
        "ALTER TABLE invitations ADD COLUMN segments TEXT",
        # Aggregate plane: the values a report offers per attribute, taken from the invited
        # contacts (each held by at least k of them), never from who answered.
        """CREATE TABLE report_segment_values (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            attribute TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (survey_id, attribute, value)
        ) WITHOUT ROWID""",
        # Set when a survey's stored segment values must be settled and its counters recounted
        # before anything serves.
        "ALTER TABLE surveys ADD COLUMN legacy_segments INTEGER NOT NULL DEFAULT 0",
    )
    # Responses kept every attribute of the invited contact. What no report uses goes now; the
    # rest is coarsened at the next start, where the minimum group size is known.
    surveys = db.execute("SELECT id, report_segments FROM surveys").fetchall()
    for survey_id, report_segments in surveys:
        keep = {str(a) for a in json.loads(report_segments or "[]")}
        rows = db.execute(
            "SELECT id, segments FROM responses WHERE survey_id = ? AND segments != '{}'",
            (survey_id,),
        ).fetchall()
        for response_id, segments in rows:
            kept = {a: v for a, v in json.loads(segments).items() if a in keep}
            db.execute(
                "UPDATE responses SET segments = ? WHERE id = ?",
                (json.dumps(kept, ensure_ascii=False, sort_keys=True), response_id),
            )
        invited = db.execute(
            "SELECT 1 FROM invitations WHERE survey_id = ? LIMIT 1", (survey_id,)
        ).fetchone()
        if rows or invited:
            db.execute("UPDATE surveys SET legacy_segments = 1 WHERE id = ?", (survey_id,))


def m0017_report_releases(db: Database) -> None:
    run(
        db,
        # Aggregate plane: what the researcher sees is a release of the counters, cut once at
        # least k responses were added, excluded or changed since the last one, so that two looks
        # at a report never differ by a single response. Same columns as report_counts.
        """CREATE TABLE report_release_counts (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            question TEXT NOT NULL,
            dim1 TEXT NOT NULL,
            val1 TEXT NOT NULL,
            dim2 TEXT NOT NULL,
            val2 TEXT NOT NULL,
            answer TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (survey_id, dim1, dim2, question, val1, val2, answer)
        ) WITHOUT ROWID""",
        # The waves of a release: the campaigns' counts as they were when it was cut.
        """CREATE TABLE report_release_waves (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            id INTEGER NOT NULL,
            recipients INTEGER NOT NULL,
            responses INTEGER NOT NULL,
            started_at TEXT,
            PRIMARY KEY (survey_id, id)
        ) WITHOUT ROWID""",
        # Per survey: when its release was cut, and how many changes the live counters have had
        # since (never readable by the gate: it would count the responses not yet released).
        """CREATE TABLE report_releases (
            survey_id INTEGER PRIMARY KEY REFERENCES surveys(id) ON DELETE CASCADE,
            released_at TEXT,
            changes INTEGER NOT NULL DEFAULT 0
        )""",
        # What researchers could see before this migration becomes the first release.
        "INSERT INTO report_release_counts SELECT * FROM report_counts",
        "INSERT INTO report_release_waves (survey_id, id, recipients, responses, started_at)"
        " SELECT survey_id, id, recipients, responses, started_at FROM campaigns"
        " WHERE waves_built > 0",
        "INSERT INTO report_releases (survey_id, released_at, changes)"
        " SELECT id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 0 FROM surveys",
        # The fixed segment values of an invitation without its language, so that a response
        # can count the used invitations of its wave that share them. Not indexed on "used":
        # an index entry moved at each answer would keep the order of answers in its pages.
        "ALTER TABLE invitations ADD COLUMN group_key TEXT",
        "CREATE INDEX invitations_wave_group ON invitations(campaign_id, group_key)",
        # One row on a page of its own, written right after the log is truncated: the first
        # write of a new log resets the wal-index (-shm), which otherwise keeps listing the
        # pages the last respondent's commit changed.
        "CREATE TABLE wal_pad (n INTEGER NOT NULL)",
        "INSERT INTO wal_pad VALUES (0)",
    )
    for invitation_id, segments in db.execute(
        "SELECT id, segments FROM invitations WHERE segments IS NOT NULL"
    ).fetchall():
        fixed = {a: v for a, v in json.loads(segments).items() if a != "#language"}
        db.execute(
            "UPDATE invitations SET group_key = ? WHERE id = ?",
            (json.dumps(fixed, ensure_ascii=False, sort_keys=True), invitation_id),
        )
