"""SQL of scanned paper forms waiting for verification (identity plane, migration 0026): the
form's reading (JSON columns) and its sealed page images. No Flask.

Call the writing functions inside a transaction (``appliance.paper.scan_service`` holds them).
Page images arrive sealed and leave sealed: this module never sees a plaintext scan.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

_FORM = (
    "SELECT id, survey_id, digest, code_hash, answers, doubtful, written, problem,"
    " uploaded_at, uploaded_by FROM paper_scan_forms"
)


def add_form(conn: sqlite3.Connection, **row: Any) -> None:
    """Keep a waiting form: ``id``, ``survey_id``, ``digest``, ``code_hash``, ``answers`` (a
    dict), ``doubtful`` and ``written`` (lists), ``problem``, ``uploaded_at``, ``uploaded_by``."""
    conn.execute(
        "INSERT INTO paper_scan_forms (id, survey_id, digest, code_hash, answers, doubtful,"
        " written, problem, uploaded_at, uploaded_by) VALUES (:id, :survey_id, :digest,"
        " :code_hash, :answers, :doubtful, :written, :problem, :uploaded_at, :uploaded_by)",
        {
            **row,
            "answers": _json(row["answers"]),
            "doubtful": _json(row["doubtful"]),
            "written": _json(row["written"]),
        },
    )


def add_page(conn: sqlite3.Connection, form_id: str, page: int, sealed: bytes) -> None:
    conn.execute(
        "INSERT INTO paper_scan_pages (form_id, page, image) VALUES (?, ?, ?)",
        (form_id, page, sealed),
    )


def form(conn: sqlite3.Connection, survey_id: int, form_id: str) -> sqlite3.Row | None:
    return conn.execute(
        f"{_FORM} WHERE survey_id = ? AND id = ?",  # noqa: S608
        (survey_id, form_id),
    ).fetchone()


def forms_of(conn: sqlite3.Connection, survey_id: int) -> list[sqlite3.Row]:
    """The survey's waiting forms, oldest first."""
    return conn.execute(
        f"{_FORM} WHERE survey_id = ? ORDER BY uploaded_at, id",  # noqa: S608
        (survey_id,),
    ).fetchall()


def pages_of(conn: sqlite3.Connection, form_id: str) -> list[int]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT page FROM paper_scan_pages WHERE form_id = ? ORDER BY page", (form_id,)
        )
    ]


def page_image(conn: sqlite3.Connection, form_id: str, page: int) -> bytes | None:
    """The sealed image of one page, or None."""
    row = conn.execute(
        "SELECT image FROM paper_scan_pages WHERE form_id = ? AND page = ?", (form_id, page)
    ).fetchone()
    return row[0] if row else None


def delete_form(conn: sqlite3.Connection, form_id: str) -> bool:
    """Erase a waiting form and its page images (``secure_delete`` overwrites them); False if
    it was gone."""
    conn.execute("DELETE FROM paper_scan_pages WHERE form_id = ?", (form_id,))
    return conn.execute("DELETE FROM paper_scan_forms WHERE id = ?", (form_id,)).rowcount > 0


def waiting_count(conn: sqlite3.Connection) -> int:
    """Waiting forms of every survey (the retention page)."""
    return conn.execute("SELECT count(*) FROM paper_scan_forms").fetchone()[0]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
