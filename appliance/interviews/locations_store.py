"""SQL of the places where a survey's face-to-face interviews are held (``survey_locations``)."""

from __future__ import annotations

import sqlite3


def locations_of(conn: sqlite3.Connection, survey_id: int) -> list[sqlite3.Row]:
    """The survey's locations (``id``, ``name``, ``retired``): in use first, then by name."""
    return conn.execute(
        "SELECT id, name, retired FROM survey_locations WHERE survey_id = ?"
        " ORDER BY retired, name COLLATE NOCASE",
        (survey_id,),
    ).fetchall()


def location(conn: sqlite3.Connection, survey_id: int, location_id: int) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT id, name, retired FROM survey_locations WHERE survey_id = ? AND id = ?",
        (survey_id, location_id),
    ).fetchone()


def add(conn: sqlite3.Connection, survey_id: int, name: str) -> int:
    """Raises sqlite3.IntegrityError when the survey has a location of that name."""
    return conn.execute(
        "INSERT INTO survey_locations (survey_id, name) VALUES (?, ?) RETURNING id",
        (survey_id, name),
    ).fetchone()[0]


def rename(conn: sqlite3.Connection, location_id: int, name: str) -> None:
    """Raises sqlite3.IntegrityError when the survey has a location of that name."""
    conn.execute("UPDATE survey_locations SET name = ? WHERE id = ?", (name, location_id))


def set_retired(conn: sqlite3.Connection, location_id: int, retired: bool) -> None:
    conn.execute(
        "UPDATE survey_locations SET retired = ? WHERE id = ?", (int(retired), location_id)
    )


def surveys_with_locations(conn: sqlite3.Connection, survey_ids: set[int]) -> set[int]:
    """Those of ``survey_ids`` with at least one location in use."""
    if not survey_ids:
        return set()
    marks = ",".join("?" * len(survey_ids))
    rows = conn.execute(
        f"SELECT DISTINCT survey_id FROM survey_locations WHERE retired = 0"  # noqa: S608
        f" AND survey_id IN ({marks})",
        sorted(survey_ids),
    )
    return {r[0] for r in rows}
