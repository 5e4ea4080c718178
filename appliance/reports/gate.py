"""THE aggregate gate: the one way the researcher sees anything.

Contract: callers get aggregate objects, never rows. Every count that leaves the gate passes
:func:`gated`, which hides any group smaller than the minimum group size k (``min_group_size``,
never below 3), counts included. The gate reads through its own read-only connection whose SQLite
authorizer refuses every table of the identity and system planes (``planes.GATE_DENIED``), so a
query written here by mistake against contacts or accounts fails instead of leaking.

Report views for the researcher import only this module. The reports issue adds the statistics;
the shape (a gate object opened per request for one user, suppressed values as ``Suppressed``) is
fixed here.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from appliance.db import connect
from appliance.planes import GATE_DENIED

MIN_K = 3


@dataclass(frozen=True)
class Suppressed:
    """A value hidden because its group has fewer than ``k`` responses. Carries no count."""

    k: int

    def __str__(self) -> str:
        return f"< {self.k}"


def gated(n: int, k: int) -> int | Suppressed:
    """Return ``n`` when at least k, else Suppressed(k). k below MIN_K is a programming error."""
    if k < MIN_K:
        raise ValueError(f"minimum group size must be at least {MIN_K}")
    return n if n >= k else Suppressed(k)


def _authorizer(action: int, arg1, arg2, dbname, source) -> int:
    if action == sqlite3.SQLITE_READ and arg1 in GATE_DENIED:
        return sqlite3.SQLITE_DENY
    if action in (
        sqlite3.SQLITE_SELECT,
        sqlite3.SQLITE_READ,
        sqlite3.SQLITE_FUNCTION,
        sqlite3.SQLITE_PRAGMA,
    ):
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY  # no writes, no ATTACH, no schema changes


@dataclass(frozen=True)
class SurveySummary:
    id: int
    title: str
    status: str


class Gate:
    """Aggregates for one viewer. With ``researcher_id`` the gate serves only the surveys granted
    to that researcher (it reads the grants itself); without, every survey (staff)."""

    def __init__(self, db_path: str | Path, k: int, researcher_id: int | None):
        if k < MIN_K:
            raise ValueError(f"minimum group size must be at least {MIN_K}")
        self.k = k
        self._conn = connect(db_path, readonly=True)
        self._conn.set_authorizer(_authorizer)
        self.survey_ids: set[int] | None = None
        if researcher_id is not None:
            rows = self._conn.execute(
                "SELECT survey_id FROM researcher_grants WHERE user_id = ?", (researcher_id,)
            )
            self.survey_ids = {r[0] for r in rows}

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Gate:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def surveys(self) -> list[SurveySummary]:
        rows = self._conn.execute("SELECT id, title, status FROM surveys ORDER BY id DESC")
        return [
            SurveySummary(r["id"], r["title"], r["status"])
            for r in rows
            if self.survey_ids is None or r["id"] in self.survey_ids
        ]
