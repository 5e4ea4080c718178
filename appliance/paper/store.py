"""SQL of paper forms: the geometry of each printed form. No Flask."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from appliance.paper.model import Geometry


def record_layout(
    conn: sqlite3.Connection, geometry: Geometry, multiple: Iterable[str], at: str
) -> None:
    """Keep a printed form's geometry (once per digest)."""
    conn.execute(
        "INSERT OR IGNORE INTO paper_layouts"
        " (survey_id, digest, version, language, geometry, multiple, printed_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            geometry.survey_id,
            geometry.digest,
            geometry.version,
            geometry.language,
            geometry.to_json(),
            json.dumps(sorted(multiple)),
            at,
        ),
    )


def printed_layout(
    conn: sqlite3.Connection, survey_id: int, digest: str
) -> tuple[Geometry, frozenset[str]] | None:
    """The geometry printed under ``digest`` and its multiple-choice questions, or None."""
    row = conn.execute(
        "SELECT geometry, multiple FROM paper_layouts WHERE survey_id = ? AND digest = ?",
        (survey_id, digest),
    ).fetchone()
    if row is None:
        return None
    return Geometry.from_json(row[0]), frozenset(json.loads(row[1]))


def any_printed(conn: sqlite3.Connection, survey_id: int) -> bool:
    """Whether any form of the survey was ever printed (blank, or after a letter)."""
    return (
        conn.execute(
            "SELECT 1 FROM paper_layouts WHERE survey_id = ? LIMIT 1", (survey_id,)
        ).fetchone()
        is not None
    )
