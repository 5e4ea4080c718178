"""A small world for the retention tests: a list of three contacts imported today, a survey
two of them were invited to, an answer with a typed name and a request to be contacted, and a
rejected import row. Every personal value carries the canary word ``Zwaluwstaart``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest

from appliance import settings as settings_module
from appliance.db import transaction
from appliance.surveys import store as surveys_store
from tests.contacts.conftest import Importer
from tests.factories import invite, stored_open_survey, submit_response
from tests.reports.study import DEFINITION

CANARY = "Zwaluwstaart"
CSV = (
    "email;voornaam;achternaam\n"
    f"alice@{CANARY.lower()}.nl;Alice;{CANARY}\n"
    f"bob@{CANARY.lower()}.nl;Bob;{CANARY}\n"
    f"carol@{CANARY.lower()}.nl;Carol;{CANARY}\n"
    f"geen-adres-{CANARY};Fout;{CANARY}\n"
).encode()
TYPED_NAME = f"Kanarie {CANARY}"
CONSENT = f"Ja, bel mij ({CANARY})"


def at_noon(day: date) -> datetime:
    """A moment on ``day`` in Amsterdam (noon UTC is the same day there)."""
    return datetime.combine(day, time(12), tzinfo=UTC)


@dataclass
class World:
    settings: dict
    survey_id: int
    contact_ids: dict[str, int]
    response_id: str
    today: date

    def day(self, months: int = 0, days: int = 0) -> date:
        """``today`` plus whole months (clamped to the month's end) and days."""
        from appliance.privacy.retention import add_months

        return add_months(self.today, months) + timedelta(days=days)


def build(conn, data_dir, tmp_path) -> World:
    values = settings_module.load({"data_dir": str(data_dir)}, environ={})
    importer = Importer(conn, data_dir, tmp_path)
    counts, _ = importer.run(CSV)
    assert counts.added == 3 and counts.invalid == 1
    ids = {
        name: row[0]
        for name, row in zip(
            ("alice", "bob", "carol"),
            conn.execute("SELECT id FROM contacts ORDER BY id").fetchall(),
            strict=True,
        )
    }
    survey_id = stored_open_survey(conn, DEFINITION)
    with transaction(conn):
        token, _ = invite(conn, data_dir, survey_id, ids["alice"])
        invite(conn, data_dir, survey_id, ids["bob"])
    today = date.fromisoformat(conn.execute("SELECT date('now')").fetchone()[0])
    response_id = submit_response(
        conn,
        data_dir,
        survey_id,
        {"nps": "9"},
        "k1",
        mode="invitation",
        today=today,
        names={"who": TYPED_NAME},
        invitation=token,
        contact_consent=CONSENT,
        quality_flags=False,
    )
    return World(values, survey_id, ids, response_id, today)


@pytest.fixture(name="world")
def world_fixture(conn, data_dir, tmp_path) -> World:
    """``world``: the retention world, built afresh for each test (tests change it). Import
    ``world_fixture`` into a test module to use it."""
    return build(conn, data_dir, tmp_path)


def close(conn, world: World) -> None:
    with transaction(conn):
        surveys_store.set_status(conn, world.survey_id, "closed")
