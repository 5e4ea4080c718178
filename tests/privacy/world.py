"""A small world for the retention tests: a list of three contacts imported today, a survey
two of them were invited to, an answer with a typed name and a request to be contacted, and a
rejected import row. Every personal value carries the canary word ``Zwaluwstaart``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from appliance import settings as settings_module
from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.responses import service as responses_service
from appliance.responses import store as responses_store
from appliance.surveys import store as surveys_store
from appliance.surveys.definition import Definition
from tests.contacts.conftest import Importer
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
    keys = load_keys(data_dir)
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
    with transaction(conn):
        survey_id = surveys_store.create_survey(conn, Definition.parse(DEFINITION))
        surveys_store.set_status(conn, survey_id, "open")
        token = responses_store.create_invitation(conn, keys.hasher(), survey_id, ids["alice"])
        responses_store.create_invitation(conn, keys.hasher(), survey_id, ids["bob"])
    today = date.fromisoformat(conn.execute("SELECT date('now')").fetchone()[0])
    response_id = responses_service.submit(
        conn,
        keys.hasher(),
        keys.cipher(),
        survey_id=survey_id,
        mode="invitation",
        language="nl",
        answers={"nps": "9"},
        form_key="k1",
        today=today,
        names={"who": TYPED_NAME},
        invitation_hash=responses_store.invitation_hash(keys.hasher(), token),
        contact_consent=CONSENT,
    )
    return World(values, survey_id, ids, response_id, today)


def close(conn, world: World) -> None:
    with transaction(conn):
        surveys_store.set_status(conn, world.survey_id, "closed")
