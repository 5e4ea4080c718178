"""Migration 0016: segment values fixed per invitation, and offered values per survey."""

from __future__ import annotations

import json
import sqlite3

from appliance.migrations.early import run


def m0016_invitation_segments(conn: sqlite3.Connection) -> None:
    run(
        conn,
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
    surveys = conn.execute("SELECT id, report_segments FROM surveys").fetchall()
    for survey_id, report_segments in surveys:
        keep = {str(a) for a in json.loads(report_segments or "[]")}
        rows = conn.execute(
            "SELECT id, segments FROM responses WHERE survey_id = ? AND segments != '{}'",
            (survey_id,),
        ).fetchall()
        for response_id, segments in rows:
            kept = {a: v for a, v in json.loads(segments).items() if a in keep}
            conn.execute(
                "UPDATE responses SET segments = ? WHERE id = ?",
                (json.dumps(kept, ensure_ascii=False, sort_keys=True), response_id),
            )
        invited = conn.execute(
            "SELECT 1 FROM invitations WHERE survey_id = ? LIMIT 1", (survey_id,)
        ).fetchone()
        if rows or invited:
            conn.execute("UPDATE surveys SET legacy_segments = 1 WHERE id = ?", (survey_id,))
