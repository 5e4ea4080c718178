"""Settling what responses stored before their segment values were fixed per invitation.

Runs after the migrations, before anything serves (``appliance init``, ``serve``, ``restore``),
because it needs the configured minimum group size, which a migration cannot know.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

from appliance.admin import store as admin_store
from appliance.db import transaction
from appliance.reports import service as reports_service
from appliance.responses import upgrade_store
from appliance.responses.segments import (
    LANGUAGE,
    coarsen,
    encode,
    group_key,
    invited_rows,
    offered,
    wave_attributes,
)


def after_migrations(conn: sqlite3.Connection, values) -> list[int]:
    """What must follow the migrations with the effective settings ``values`` (the config's,
    overridden by what admins stored)."""
    return settle_legacy_segments(conn, admin_store.effective(conn, values)["min_group_size"])


def settle_legacy_segments(conn: sqlite3.Connection, k: int) -> list[int]:
    """For each survey marked by migration 0016: fix the segment values of its older
    invitations wave by wave (as a new wave would; invitations of erased contacts get none);
    keep an invited response's segment values only when at least ``k`` used invitations of the
    survey have exactly those fixed values, and its language only when ``k`` share both; else
    none and an unknown language; then recount. One transaction per survey and its recount;
    returns the surveys settled."""
    done = []
    for survey_id in upgrade_store.marked_surveys(conn):
        with transaction(conn):
            attributes = wave_attributes(upgrade_store.report_segments(conn, survey_id))
            for wave in upgrade_store.unsettled_waves(conn, survey_id):
                rows = upgrade_store.unsettled_invitations(conn, survey_id, wave)
                # Invitations whose contact was erased say nothing about anyone: no values.
                known = [r for r in rows if r[1] is not None]
                stored = coarsen(invited_rows([(s, lang) for _, s, lang in known]), attributes, k)
                fixed = dict(zip((r[0] for r in known), stored, strict=True))
                upgrade_store.fix_values(
                    conn,
                    [
                        (encode(fixed.get(i, {})), group_key(fixed.get(i, {})), i)
                        for i, _, _ in rows
                    ],
                )
                reports_service.offer_values(conn, survey_id, offered(stored))
            # Who answered is in the file (used invitations): values stay only where k of the
            # used invitations share them, as for new responses.
            used = [json.loads(s) for s in upgrade_store.used_values(conn, survey_id)]
            by_group = Counter(group_key(f) for f in used)
            by_fixed = Counter(encode(f) for f in used)
            for response_id, mode, language, segments in upgrade_store.responses_to_settle(
                conn, survey_id
            ):
                values = json.loads(segments)
                if mode != "invitation" or by_group[encode(values)] < k:
                    values = {}
                if mode == "invitation" and by_fixed[encode({**values, LANGUAGE: language})] < k:
                    language = ""
                upgrade_store.set_response_values(conn, response_id, encode(values), language)
        # The stored values changed under the counters: count them anew, in short turns. The
        # survey stays marked until then, so a stop in between settles and counts it again.
        reports_service.recount(conn, survey_id)
        with transaction(conn):
            upgrade_store.mark_settled(conn, survey_id)
        done.append(survey_id)
    return done
