"""THE aggregate gate: the one way the researcher sees anything.

Contract: callers get aggregate objects (:class:`report.Report`), never rows. The gate reads
through its own read-only connection whose SQLite authorizer refuses every table outside
``planes.GATE_READABLE`` (single responses, contacts, accounts, the audit log...) and every
column of those tables outside ``GATE_COLUMNS`` (a campaign's name, typed by staff, is out of
reach), so a query written here by mistake fails instead of leaking. Figures come from the
counters of the aggregate plane (``reports.store``), rows from the values offered to reports
(``report_segment_values``, never from who answered), and every count passes the minimum group
size k (``min_group_size``, never below 3) and the complementary suppression of
``reports.protect`` inside :func:`assemble.assemble`; statistics come from the published counts
only (``reports.derived``). Campaigns are waves named by their start date, their counts gated
like any other.

With ``researcher_id`` the gate serves only the surveys granted to that researcher (it reads the
grants itself); another survey is :class:`NotFound`, as if it did not exist. Views for the
researcher import only this module; a start-up check (``appliance.auth.guard``) refuses any
route that needs ``reports.read`` outside the reports blueprint.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from appliance.db import connect, parse_iso
from appliance.planes import GATE_COLUMNS, GATE_READABLE, read_authorizer
from appliance.reports import store
from appliance.reports.assemble import assemble
from appliance.reports.report import (
    Counts,
    FilterRefused,
    Report,
    Suppressed,
    View,
    hide_small,
)
from appliance.surveys.store import parse_definition

__all__ = ["FilterRefused", "Gate", "NotFound", "Report", "Suppressed", "View", "gated"]

MIN_K = 3
# What a researcher's connection may not read at all: the live counters (see
# ``reports.release_service``).
LIVE_TABLES = frozenset({"report_counts", "campaigns", "report_folds"})


class NotFound(Exception):
    """The survey does not exist or is not granted to this researcher."""


def gated(n: int, k: int) -> int | Suppressed:
    """``n``, or Suppressed(k) for 1..k-1 (the rule of ``report.hide_small``). k below MIN_K
    is a programming error."""
    if k < MIN_K:
        raise ValueError(f"minimum group size must be at least {MIN_K}")
    return hide_small(n, False, k)


_authorizer = read_authorizer(GATE_READABLE, GATE_COLUMNS, pragmas=True)


def _researchers_authorizer(action: int, arg1, arg2, dbname, source) -> int:
    if action == sqlite3.SQLITE_READ and arg1 in LIVE_TABLES:
        return sqlite3.SQLITE_DENY
    return _authorizer(action, arg1, arg2, dbname, source)


@dataclass(frozen=True)
class SurveySummary:
    id: int
    title: str
    status: str


class Gate:
    """Aggregates for one viewer; see the module docstring."""

    def __init__(
        self, db_path: str | Path, k: int, researcher_id: int | None, k_text: int | None = None
    ):
        if k < MIN_K:
            raise ValueError(f"minimum group size must be at least {MIN_K}")
        self.k = k
        self.k_text = max(k, k_text or k)
        self._conn = connect(db_path, readonly=True)
        # A researcher sees releases only; staff see the live counters.
        self.released = researcher_id is not None
        self._conn.set_authorizer(_researchers_authorizer if self.released else _authorizer)
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

    def _survey(self, survey_id: int) -> sqlite3.Row:
        if self.survey_ids is not None and survey_id not in self.survey_ids:
            raise NotFound(survey_id)
        row = self._conn.execute(
            "SELECT id, title, definition, report_segments FROM surveys WHERE id = ?",
            (survey_id,),
        ).fetchone()
        if row is None:
            raise NotFound(survey_id)
        return row

    def view(
        self, survey_id: int, *, filter: str = "", breakdown: str = "", period: str = ""
    ) -> View:
        """A view from request parameters; anything not reportable is dropped, not guessed."""
        reportable = json.loads(self._survey(survey_id)["report_segments"])
        chosen = None
        attribute, sep, value = filter.partition("=")
        if sep and attribute in reportable:
            chosen = (attribute, value)
        dim = None
        if breakdown == "mode":
            dim = "mode"
        elif breakdown in reportable and (chosen is None or breakdown != chosen[0]):
            dim = f"seg:{breakdown}"
        return View(chosen, dim, period if period in ("week", "month") else "month")

    def report(self, survey_id: int, view: View) -> Report:
        """The report of a survey for this viewer. Raises NotFound, or FilterRefused when the
        filter's group (or what it leaves out) is below k."""
        row = self._survey(survey_id)
        reportable = json.loads(row["report_segments"])
        cross = {}
        first = ""
        if view.filter:
            first = f"seg:{view.filter[0]}"
            cross["month"] = [
                tuple(r)
                for r in store.read_cross_months(self._conn, survey_id, first, self.released)
            ]
            seconds = ["mode"]
            if view.breakdown and view.breakdown.startswith("seg:"):
                seconds.append(view.breakdown)
            for second in seconds:
                cross[second] = self._cross(survey_id, first, second)
        offered = store.offered_values(self._conn, survey_id)
        counts = Counts(
            store.read_margins(self._conn, survey_id, self.released),
            cross,
            {a: offered.get(a, []) for a in reportable},
            first,
        )
        report = assemble(
            survey_id,
            row["title"],
            parse_definition(row["definition"]),
            counts,
            self.k,
            self.k_text,
            view,
            reportable,
            store.campaign_counts(self._conn, survey_id, self.released),
            store.released_dispositions(self._conn, survey_id),
            store.chosen_e(self._conn, survey_id),
        )
        if self.released:
            # How many staff excluded is a group like any other for the researcher.
            report.excluded = gated(report.excluded, self.k)
            released = store.released_at(self._conn, survey_id)
            report.as_of = parse_iso(released) if released else None
            report.released = True
        marks = store.benchmarks(self._conn, survey_id)
        for q in report.questions:
            q.benchmark = marks.get(q.id)
        return report

    def _cross(self, survey_id: int, first: str, second: str) -> list[tuple]:
        """Cross counters as (question, filter value, second value, answer, n), whichever way
        round they are stored (two segments are stored in name order)."""
        if second.startswith("seg:") and second < first:
            rows = store.read_cross(self._conn, survey_id, second, first, self.released)
            return [(r[0], r[2], r[1], r[3], r[4]) for r in rows]
        return [
            tuple(r) for r in store.read_cross(self._conn, survey_id, first, second, self.released)
        ]
