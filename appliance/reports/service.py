"""Staff and researcher operations on reports that write: each in one transaction with its
audit entry, or an audit entry alone for what was only read or taken out.

Figures themselves come from the gate (``appliance.reports.gate``), never from here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from appliance.auth.service import Actor
from appliance.db import transaction
from appliance.reports import store


def set_segments(
    conn: sqlite3.Connection, actor: Actor, survey_id: int, names: Sequence[str]
) -> list[str]:
    """Make ``names`` the survey's reportable segments and recount its figures; audited.
    Returns the segments as stored."""
    with transaction(conn):
        chosen = store.set_reportable(conn, survey_id, names)
        actor.log(conn, "report.segments_set", f"survey:{survey_id}", segments=chosen)
    return chosen


def import_benchmark(
    conn: sqlite3.Connection, actor: Actor, survey_id: int, source: str, figures: Any
) -> int:
    """Replace the survey's benchmark figures with parsed ``figures`` from ``source``; audited.
    Returns how many questions have a benchmark now."""
    with transaction(conn):
        count = store.replace_benchmarks(conn, survey_id, source, figures)
        actor.log(conn, "report.benchmark_imported", f"survey:{survey_id}", questions=count)
    return count


def benchmark_exported(
    conn: sqlite3.Connection, actor: Actor, survey_id: int, questions: int
) -> None:
    """Audit that the survey's figures left the appliance as a benchmark file."""
    actor.log(conn, "report.benchmark_exported", f"survey:{survey_id}", questions=questions)


def viewed(conn: sqlite3.Connection, actor: Actor, action: str, /, **details: Any) -> None:
    """Audit one view or export of a report with its parameters (what a client can check on
    the activity page)."""
    actor.log(conn, action, "reports", **details)
