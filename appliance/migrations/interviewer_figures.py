"""Migration 0030: staff-only figures per interviewer, kept as counters apart from the responses."""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0030_interviewer_figures(db: Database) -> None:
    run(db)
