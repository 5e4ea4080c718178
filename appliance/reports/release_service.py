"""Releases: the researcher sees the counters as they were at the last release, never live.

Live counters change with every response, so two looks at a report around one new response (or
one exclusion) would show what that one response said. A survey's release is cut once its
counters have had at least k changes (responses added, excluded, included again or rewritten)
since the last one, so two releases never differ by fewer than k responses. Staff read the live
counters: they may read the single responses anyway.
"""

from __future__ import annotations

import sqlite3

from appliance.db import transaction
from appliance.interviews import rates_service
from appliance.reports import store

# How often ``serve`` looks for surveys due for a release.
RELEASE_SECONDS = 60


def cut_due(conn: sqlite3.Connection, k: int) -> list[int]:
    """Cut a release of every survey with at least ``k`` changes since its last one, each in a
    transaction of its own; returns the surveys released. A release copies the counters as the
    fold left them, whole batches only (each batch is one transaction); the fold itself is the
    job of ``serve`` (``fold_service``), at most a second or two behind. The disposition counts
    of the survey's calls and invitations are copied with it, for its response rates, counted
    just before its transaction (a tenth of a second for 100,000 cases, not spent holding the
    write lock)."""
    done = []
    for survey_id in store.due_releases(conn, k):
        dispositions = rates_service.live_dispositions(conn, survey_id)
        with transaction(conn):
            # Checked again inside the transaction: another process may have been quicker.
            if survey_id in store.due_releases(conn, k):
                store.release(conn, survey_id)
                rates_service.release_dispositions(conn, survey_id, dispositions)
                done.append(survey_id)
    return done
