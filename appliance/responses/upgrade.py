"""Settling what responses stored before their segment values were fixed per invitation.

Runs after the migrations, before anything serves (``appliance init``, ``serve``, ``restore``),
because it needs the configured minimum group size, which a migration cannot know.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

from appliance.admin import store as settings_store
from appliance.db import transaction
from appliance.mailing.build import offer_values
from appliance.reports import store as counters
from appliance.responses.segments import (
    LANGUAGE,
    coarsen,
    encode,
    group_key,
    invited_rows,
    wave_attributes,
)


def after_migrations(conn: sqlite3.Connection, values) -> list[int]:
    """What must follow the migrations with the effective settings ``values`` (the config's,
    overridden by what admins stored)."""
    k = settings_store.overrides(conn).get("min_group_size", values["min_group_size"])
    return settle_legacy_segments(conn, k)


def settle_legacy_segments(conn: sqlite3.Connection, k: int) -> list[int]:
    """For each survey marked by migration 0016: fix the segment values of its older
    invitations wave by wave (as a new wave would; invitations of erased contacts get none);
    keep an invited response's segment values only when at least ``k`` used invitations of the
    survey have exactly those fixed values, and its language only when ``k`` share both; else
    none and an unknown language; and recount. One transaction per survey; returns the surveys
    settled."""
    done = []
    marked = [r[0] for r in conn.execute("SELECT id FROM surveys WHERE legacy_segments = 1")]
    for survey_id in marked:
        with transaction(conn):
            attributes = wave_attributes(
                conn.execute(
                    "SELECT report_segments FROM surveys WHERE id = ?", (survey_id,)
                ).fetchone()[0]
            )
            waves = conn.execute(
                "SELECT DISTINCT campaign_id FROM invitations"
                " WHERE survey_id = ? AND segments IS NULL",
                (survey_id,),
            ).fetchall()
            for (wave,) in waves:
                rows = conn.execute(
                    "SELECT i.id, c.segments, c.language FROM invitations i"
                    " LEFT JOIN contacts c ON c.id = i.contact_id"
                    " WHERE i.survey_id = ? AND i.segments IS NULL AND i.campaign_id IS ?"
                    " ORDER BY i.id",
                    (survey_id, wave),
                ).fetchall()
                # Invitations whose contact was erased say nothing about anyone: no values.
                known = [r for r in rows if r[1] is not None]
                stored = coarsen(invited_rows([(s, lang) for _, s, lang in known]), attributes, k)
                fixed = dict(zip((r[0] for r in known), stored, strict=True))
                conn.executemany(
                    "UPDATE invitations SET segments = ?, group_key = ? WHERE id = ?",
                    [
                        (encode(fixed.get(i, {})), group_key(fixed.get(i, {})), i)
                        for i, _, _ in rows
                    ],
                )
                offer_values(conn, survey_id, stored)
            # Who answered is in the file (used invitations): values stay only where k of the
            # used invitations share them, as for new responses.
            used = [
                json.loads(s)
                for (s,) in conn.execute(
                    "SELECT segments FROM invitations WHERE survey_id = ? AND used = 1",
                    (survey_id,),
                )
                if s
            ]
            by_group = Counter(group_key(f) for f in used)
            by_fixed = Counter(encode(f) for f in used)
            for response_id, mode, language, segments in conn.execute(
                "SELECT id, mode, language, segments FROM responses WHERE survey_id = ?"
                " AND (mode = 'invitation' OR segments != '{}')",
                (survey_id,),
            ).fetchall():
                values = json.loads(segments)
                if mode != "invitation" or by_group[encode(values)] < k:
                    values = {}
                if mode == "invitation" and by_fixed[encode({**values, LANGUAGE: language})] < k:
                    language = ""
                conn.execute(
                    "UPDATE responses SET segments = ?, language = ? WHERE id = ?",
                    (encode(values), language, response_id),
                )
            counters.rebuild(conn, survey_id)
            conn.execute("UPDATE surveys SET legacy_segments = 0 WHERE id = ?", (survey_id,))
        done.append(survey_id)
    return done
