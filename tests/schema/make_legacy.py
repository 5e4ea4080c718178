"""Writes the fixtures of the schema tests with the code from before the migrations were
sqlite-utils ones (commit 8ba68cc), which kept its history in ``_migrations``:

- ``legacy_init.sql``: the database of ``appliance init`` in a new data directory;
- ``legacy_0013.sql``: its runner stopped after 0013, with surveys, contacts, invitations and
  responses (some excluded, some across a year's turn), so that 0014 has something to count;
- ``legacy_0013_counts.json``: the counters that code's own migrations 0014-0019 made of that
  database (its first release holds the same), to hold the frozen 0014 to what it did when it
  shipped.

Not a test; run it against a checkout of that commit (it imports its ``appliance``)::

    git worktree add -f /tmp/oldcode 8ba68cc
    PYTHONPATH=/tmp/oldcode .venv/bin/python tests/schema/make_legacy.py
"""

from __future__ import annotations

import json
import random
import sqlite3
import tempfile
from datetime import date, timedelta
from pathlib import Path

from appliance import db
from appliance.cli import initialise
from appliance.migrations import MIGRATIONS
from appliance.settings import load as load_settings
from appliance.surveys.definition import Definition

HERE = Path(__file__).resolve().parent


def _t(text: str) -> dict[str, str]:
    return {"nl": text, "en": text}


def _choices(*values: str) -> list[dict]:
    return [{"value": v, "label": _t(v.title())} for v in values]


EVERY_TYPE = {
    "languages": ["nl", "en"],
    "title": _t("Every type"),
    "pages": [
        {
            "id": "p1",
            "questions": [
                {"id": "nps", "type": "nps", "text": _t("Recommend?"), "na": True},
                {"id": "sat", "type": "rating", "text": _t("Satisfied?")},
                {
                    "id": "channel",
                    "type": "single",
                    "text": _t("Channel?"),
                    "choices": _choices("shop", "web"),
                },
                {
                    "id": "topics",
                    "type": "multiple",
                    "text": _t("Topics?"),
                    "choices": _choices("price", "staff", "speed"),
                },
                {"id": "again", "type": "yesno", "text": _t("Again?")},
            ],
        },
        {
            "id": "p2",
            "questions": [
                {
                    "id": "aspects",
                    "type": "matrix",
                    "text": _t("Aspects"),
                    "items": _choices("service", "quality"),
                    "scale": [1, 5],
                },
                {"id": "remark", "type": "text_long", "text": _t("Remarks?")},
                {"id": "who", "type": "name", "text": _t("Your name")},
                {"id": "call", "type": "contact_optin", "text": _t("Call me?")},
            ],
        },
    ],
}
NPS_ONLY = {
    "languages": ["nl"],
    "title": {"nl": "Alleen NPS"},
    "pages": [{"questions": [{"id": "nps", "type": "nps", "text": {"nl": "Aanbevelen?"}}]}],
}


def _answers(rng: random.Random) -> dict:
    out = {
        "nps": rng.choice([*map(str, range(11)), "na"]),
        "sat": str(rng.randint(1, 5)),
        "channel": rng.choice(["shop", "web"]),
        "topics": rng.sample(["price", "staff", "speed"], rng.randint(1, 2)),
        "again": rng.choice(["yes", "no"]),
        "aspects": {"service": str(rng.randint(1, 5)), "quality": str(rng.randint(1, 5))},
        "call": rng.choice(["yes", "no"]),
    }
    if rng.random() < 0.3:
        del out["sat"]
    if rng.random() < 0.3:
        out["remark"] = "Fijn geholpen"
    return out


def _fill(conn: sqlite3.Connection) -> None:
    rng = random.Random(13)
    for survey_id, definition in ((1, EVERY_TYPE), (2, NPS_ONLY)):
        Definition.parse(definition)
        conn.execute(
            "INSERT INTO surveys (id, title, status, created_at, definition)"
            " VALUES (?, ?, 'open', '2026-12-01T09:00:00Z', ?)",
            (survey_id, definition["title"]["nl"], json.dumps(definition)),
        )
    conn.execute("INSERT INTO contact_lists VALUES (1, 'Klanten', '2026-12-01T09:00:00Z', NULL)")
    conn.execute(
        "INSERT INTO contact_imports (id, list_id, basis, status, created_at)"
        " VALUES (1, 1, 'consent', 'done', '2026-12-01T09:00:00Z')"
    )
    start = date(2026, 12, 24)  # across the turn of the year: ISO weeks 2026-W52 .. 2027-W01
    for n in range(1, 41):
        day = (start + timedelta(days=n % 14)).isoformat()
        if n <= 24:
            segments = {"regio": rng.choice(["noord", "zuid"]), "klantnummer": f"K-{n}"}
            conn.execute(
                "INSERT INTO contacts (id, list_id, import_id, language, segments)"
                " VALUES (?, 1, 1, 'nl', ?)",
                (n, json.dumps(segments)),
            )
            conn.execute(
                "INSERT INTO invitations (survey_id, contact_id, token_hash, used)"
                " VALUES (1, ?, ?, 1)",
                (n, rng.randbytes(32)),
            )
            survey_id, mode, answers = 1, "invitation", _answers(rng)
        elif n <= 32:
            segments, survey_id, mode, answers = {}, 1, rng.choice(["link", "kiosk"]), None
            answers = _answers(rng)
        else:
            segments, survey_id, mode = {}, 2, "link"
            answers = {"nps": str(rng.randint(0, 10))}
        excluded = n % 9 == 0
        conn.execute(
            "INSERT INTO responses (id, survey_id, mode, submitted_on, language, segments,"
            " answers, excluded_reason, excluded_on) VALUES (?, ?, ?, ?, 'nl', ?, ?, ?, ?)",
            (
                rng.randbytes(16).hex(),
                survey_id,
                mode,
                day,
                json.dumps(segments),
                json.dumps(answers),
                "speeder" if excluded else None,
                day if excluded else None,
            ),
        )


def _dump(path: Path, target: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        target.write_text("\n".join(conn.iterdump()) + "\n")
    finally:
        conn.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        initialise(load_settings({"data_dir": str(data_dir)}, environ={}))
        _dump(db.db_path(data_dir), HERE / "legacy_init.sql")

        path = Path(tmp) / "legacy.db"
        conn = db.connect(path)
        db._ensure_migrations_table(conn)
        for name, step in MIGRATIONS[:13]:
            with db.transaction(conn):
                step(conn)
                conn.execute("INSERT INTO _migrations VALUES (?, ?)", (name, db.iso(db.utcnow())))
        with db.transaction(conn):
            _fill(conn)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _dump(path, HERE / "legacy_0013.sql")

        db.migrate(conn)
        counts = sorted(list(r) for r in conn.execute("SELECT * FROM report_counts"))
        released = sorted(list(r) for r in conn.execute("SELECT * FROM report_release_counts"))
        conn.close()
        assert released == counts, "0017 makes the counters the first release"
        rows = ",\n".join(json.dumps(row, ensure_ascii=False) for row in counts)
        (HERE / "legacy_0013_counts.json").write_text(f"[\n{rows}\n]\n")


if __name__ == "__main__":
    main()
