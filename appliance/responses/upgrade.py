"""Settling what responses stored before their segment values were fixed per invitation.

Runs after the migrations, before anything serves (``appliance init``, ``serve``, ``restore``),
because it needs the configured minimum group size, which a migration cannot know.
"""

from __future__ import annotations

import json
import sqlite3

from appliance.admin import store as settings_store
from appliance.db import transaction
from appliance.mailing.build import offer_values
from appliance.reports import store as counters
from appliance.responses.segments import LANGUAGE, coarsen, invited_rows, wave_attributes


def after_migrations(conn: sqlite3.Connection, values) -> list[int]:
    """What must follow the migrations with the effective settings ``values`` (the config's,
    overridden by what admins stored)."""
    k = settings_store.overrides(conn).get("min_group_size", values["min_group_size"])
    return settle_legacy_segments(conn, k)


def settle_legacy_segments(conn: sqlite3.Connection, k: int) -> list[int]:
    """For each survey marked by migration 0016: fix the segment values of its older
    invitations wave by wave (as a new wave would); keep an invited response's segment values
    and language only when together they are exactly the fixed values of some invitation (so at
    least ``k`` share them), otherwise store none and an unknown language; and recount. One
    transaction per survey; returns the surveys settled."""
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
                stored = coarsen(invited_rows([(s, lang) for _, s, lang in rows]), attributes, k)
                conn.executemany(
                    "UPDATE invitations SET segments = ? WHERE id = ?",
                    [
                        (json.dumps(s, ensure_ascii=False, sort_keys=True), i)
                        for (i, _, _), s in zip(rows, stored, strict=True)
                    ],
                )
                offer_values(conn, survey_id, stored)
            allowed = {
                _canonical(json.loads(s))
                for (s,) in conn.execute(
                    "SELECT DISTINCT segments FROM invitations WHERE survey_id = ?", (survey_id,)
                )
                if s
            }
            for response_id, mode, language, segments in conn.execute(
                "SELECT id, mode, language, segments FROM responses WHERE survey_id = ?"
                " AND (mode = 'invitation' OR segments != '{}')",
                (survey_id,),
            ).fetchall():
                fixed = {**json.loads(segments), LANGUAGE: language}
                if mode != "invitation" or _canonical(fixed) not in allowed:
                    # Too rare to keep, or not known to be shared by k invitations.
                    unknown = "" if mode == "invitation" else language
                    conn.execute(
                        "UPDATE responses SET segments = '{}', language = ? WHERE id = ?",
                        (unknown, response_id),
                    )
            counters.rebuild(conn, survey_id)
            conn.execute("UPDATE surveys SET legacy_segments = 0 WHERE id = ?", (survey_id,))
        done.append(survey_id)
    return done


def _canonical(values: dict) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True)
