"""SQL of response rates: the disposition of every sampled case of a survey, read from the
identity plane (calls, invitations, the outbox, letter runs), the eligibility estimate staff
chose, and the disposition counts copied at a report release for the researcher's gate.
No Flask here."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from appliance.db import iso, utcnow

# Invitations of the survey's e-mail and post campaigns per campaign, used or not.
_INVITATIONS = """
SELECT k.channel, k.id AS campaign_id, i.used, count(*) AS n,
  EXISTS (SELECT 1 FROM letter_runs r WHERE r.campaign_id = k.id) AS posted
FROM campaigns k JOIN invitations i ON i.campaign_id = k.id
WHERE k.survey_id = :survey AND k.channel IN ('email', 'post')
GROUP BY k.id, i.used
"""

# Unused e-mail invitations with messages, by the furthest one came: 2 sent, 1 bounced or
# failed, 0 neither (queued, cancelled, suppressed). The outbox is summed per invitation once
# and each sum looks up its invitation by id, which stays quick with 100,000 invitations.
_MESSAGES = """
SELECT g.best, count(*) AS n FROM (
  SELECT o.invitation_id, max(CASE WHEN o.state = 'sent' THEN 2
                                   WHEN o.state IN ('bounced', 'failed') THEN 1 ELSE 0 END) AS best
  FROM outbox o
  WHERE o.campaign_id IN (SELECT id FROM campaigns WHERE survey_id = :survey AND channel = 'email')
  GROUP BY o.invitation_id) g
JOIN invitations i ON i.id = g.invitation_id
WHERE i.used = 0
GROUP BY g.best
"""
_BEST = {2: "nothing_returned", 1: "returned", 0: "not_sent"}

# A call: its final outcome, or the last temporary one as it stands. A number that went on the
# "do not call" list before anybody called it left the sample, as at the campaign's build.
_CALLS = """
SELECT 'phone' AS mode, c.last_outcome AS code, count(*) AS n
FROM calls c JOIN campaigns k ON k.id = c.campaign_id
WHERE k.survey_id = :survey AND k.channel = 'phone'
  AND NOT (c.status = 'suppressed' AND c.attempts = 0)
GROUP BY 2
"""


def dispositions(conn: sqlite3.Connection, survey_id: int) -> dict[str, dict[str, int]]:
    """Live disposition counts of the survey: mode (email, post, phone) -> code -> cases; a
    mode without campaigns is absent. An e-mail invitation is complete when used, else it
    counts by the furthest its messages came (sent, returned, or not sent); a letter is complete
    when used, else sent once its campaign's letters were produced."""
    out: dict[str, dict[str, int]] = {}
    unsent_email = 0

    def add(mode: str, code: str, n: int) -> None:
        if n:
            out.setdefault(mode, {})
            out[mode][code] = out[mode].get(code, 0) + n

    params = {"survey": survey_id}
    for row in conn.execute(_INVITATIONS, params):
        mode = row["channel"]
        out.setdefault(mode, {})
        if row["used"]:
            add(mode, "complete", row["n"])
        elif mode == "post":
            add(mode, "nothing_returned" if row["posted"] else "not_sent", row["n"])
        else:
            unsent_email += row["n"]
    for row in conn.execute(_MESSAGES, params):
        add("email", _BEST[row["best"]], row["n"])
        unsent_email -= row["n"]
    if unsent_email:
        add("email", "not_sent", unsent_email)
    for row in conn.execute(_CALLS, params):
        out.setdefault("phone", {})
        add("phone", row["code"], row["n"])
    return out


def chosen_e(conn: sqlite3.Connection, survey_id: int) -> float | None:
    """The fixed e staff chose for the survey, or None for the proportional estimate."""
    row = conn.execute(
        "SELECT e FROM survey_rate_settings WHERE survey_id = ?", (survey_id,)
    ).fetchone()
    return row[0] if row else None


def set_e(conn: sqlite3.Connection, survey_id: int, e: float | None, user_id: int | None) -> None:
    conn.execute(
        "INSERT INTO survey_rate_settings (survey_id, e, changed_at, changed_by)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (survey_id) DO UPDATE SET e = excluded.e,"
        " changed_at = excluded.changed_at, changed_by = excluded.changed_by",
        (survey_id, e, iso(utcnow()), user_id),
    )


def replace_released(
    conn: sqlite3.Connection, survey_id: int, counts: Mapping[str, Mapping[str, int]]
) -> None:
    """Inside a write transaction: ``counts`` (mode -> code -> n) become the survey's released
    dispositions."""
    conn.execute("DELETE FROM report_dispositions WHERE survey_id = ?", (survey_id,))
    conn.executemany(
        "INSERT INTO report_dispositions (survey_id, mode, code, n) VALUES (?, ?, ?, ?)",
        [
            (survey_id, mode, code, n)
            for mode, codes in sorted(counts.items())
            for code, n in sorted(codes.items())
        ],
    )
