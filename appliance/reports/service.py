"""Staff and researcher operations on reports that write: each in one transaction with its
audit entry, or an audit entry alone for what was only read or taken out.

Figures themselves come from the gate (``appliance.reports.gate``), never from here. What the
staff settings page reads (segment names, benchmark figures) passes through here as plain calls
of the store, so views never depend on SQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from appliance.auth.service import Actor
from appliance.db import transaction
from appliance.reports import fold_service, store


def set_segments(
    conn: sqlite3.Connection, actor: Actor, survey_id: int, names: Sequence[str]
) -> tuple[list[str], bool]:
    """Make ``names`` the survey's reportable segments and recount its figures: at once for a
    survey of up to ``fold_service.RECOUNT_INLINE`` responses, else by the background jobs
    (``fold_service.choose_segments``); audited. Returns (the segments as stored, whether they
    are in force already). Raises ``fold_service.RecountBusy`` while another recount runs."""
    chosen, done = fold_service.choose_segments(conn, survey_id, names)
    with transaction(conn):
        actor.log(
            conn, "report.segments_set", f"survey:{survey_id}", segments=chosen, queued=not done
        )
    return chosen, done


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


# ---- reads for the staff settings page: plain calls of the store ---------------------------


def segment_names(conn: sqlite3.Connection, survey_id: int) -> list[str]:
    """The segment attributes staff may declare reportable for the survey (those of the latest
    contacts imported), sorted."""
    return store.segment_names(conn, survey_id)


def benchmarks(conn: sqlite3.Connection, survey_id: int) -> dict[str, sqlite3.Row]:
    """The survey's benchmark figures by question id (``mean``, ``nps``, ``top2``, ``source``)."""
    return store.benchmarks(conn, survey_id)


# The counters that other planes' workflows keep up inside their own transactions (a campaign's
# offered segment values, an erased answer): the store's own functions, reached through this
# service so that no other plane imports the aggregate store.
offer_values = store.offer_values
rewrite_answers = store.rewrite_answers
# Counting a survey anew (responses settled by an upgrade), in short transactions of its own.
recount = fold_service.recount
RecountBusy = fold_service.RecountBusy


def counted_until(conn: sqlite3.Connection, survey_id: int):
    """(moment up to which the survey's live counters hold every response, or None; whether a
    recount is under way): what staff see beside the live figures."""
    return fold_service.counted_until(conn, survey_id)
