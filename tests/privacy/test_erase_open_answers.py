"""Erasing a person also blanks their own words in the responses linked to them (through their
request to be contacted, or a survey announced as non-anonymous): the open answers and any typed
name go, the closed answers stay (anonymous, so the reports stay right). The confirmation page
counts exactly what the erasure then does."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.privacy import retention_service
from appliance.reports import store as report_store
from appliance.responses import store as responses_store
from appliance.settings import load as load_settings
from tests.contacts.conftest import Importer
from tests.factories import send_campaign, stored_open_survey, submit_response
from tests.privacy.subject_world import look_up, token_of
from tests.reports.study import DEFINITION

JAN = "jan.jansen@example.nl"
NAME = "Jan Jansen"
CSV = f"email;voornaam;achternaam\n{JAN};Jan;Jansen\nels@example.nl;Els;Visser\n".encode()
# Refused for its phone number; the rejected row still holds the address.
REJECTED = f"email;voornaam;achternaam;telefoon\n{JAN};Jan;Jansen;12ab\n".encode()
CONSENT = "Ja, u mag contact met mij opnemen over mijn antwoorden"
REMARK_OPTIN = f"De levering was snel. Groet, {NAME}"
REMARK_NAMED = f"Met vriendelijke groet, {NAME} (klant 4411)"
ELS_REMARK = "De bezorger was te laat, verder prima (anoniem-7310)"


@dataclass
class World:
    anonymous_survey: int  # Jan asked to be contacted about his answers
    named_survey: int  # announced as non-anonymous
    optin_response: str
    named_response: str
    els_response: str
    jan_ids: list[int]


@pytest.fixture
def world(conn, data_dir, tmp_path) -> World:
    keys = load_keys(data_dir)
    hasher = keys.hasher()
    imports = Importer(conn, data_dir, tmp_path)
    imports.run(CSV, list_name="Klanten")
    assert imports.run(REJECTED, list_name="Oud bestand")[0].invalid == 1
    anonymous = stored_open_survey(conn, DEFINITION)
    named = stored_open_survey(conn, {**DEFINITION, "anonymous": False})

    send_campaign(conn, data_dir, anonymous, imports.list_id("Klanten"), "Meting", reminder=False)

    jan = conn.execute(
        "SELECT c.id FROM contacts c JOIN invitations i ON i.contact_id = c.id"
        " JOIN outbox o ON o.invitation_id = i.id ORDER BY c.id LIMIT 1"
    ).fetchone()[0]
    optin_hash = conn.execute(
        "SELECT token_hash FROM invitations WHERE contact_id = ?", (jan,)
    ).fetchone()[0]
    with transaction(conn):
        named_token = responses_store.create_invitation(conn, hasher, named, jan)
    optin = submit_response(
        conn,
        data_dir,
        anonymous,
        {"nps": "9", "sat": "4", "channel": "web", "remark": REMARK_OPTIN},
        "optin",
        mode="invitation",
        today=date.today(),
        names={"who": NAME},
        invitation_hash=bytes(optin_hash),
        contact_consent=CONSENT,
    )
    named_id = submit_response(
        conn,
        data_dir,
        named,
        {"nps": "7", "again": "yes", "remark": REMARK_NAMED},
        "named",
        mode="invitation",
        today=date.today(),
        names={"who": NAME},
        invitation_hash=responses_store.invitation_hash(hasher, named_token),
        link_contact=True,
    )
    els = submit_response(
        conn, data_dir, anonymous, {"nps": "4", "remark": ELS_REMARK}, "els", today=date.today()
    )
    return World(anonymous, named, optin, named_id, els, [jan])


def _raw_database(data_dir) -> bytes:
    return b"".join(p.read_bytes() for p in Path(data_dir).glob("appliance.db*") if p.is_file())


def _everything_staff_can_see(staff, world: World) -> str:
    """Every page and export of the responses of both surveys, as text."""
    parts = []
    for survey_id in (world.anonymous_survey, world.named_survey):
        parts.append(staff.get(f"/surveys/{survey_id}/responses").get_data(as_text=True))
        for response_id in (world.optin_response, world.named_response, world.els_response):
            page = staff.get(f"/surveys/{survey_id}/responses/{response_id}")
            if page.status_code == 200:
                parts.append(page.get_data(as_text=True))
        parts.append(staff.get(f"/surveys/{survey_id}/responses.csv").get_data(as_text=True))
        xlsx = staff.get(f"/surveys/{survey_id}/responses.xlsx").data
        with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
            parts += [book.read(name).decode("utf-8") for name in book.namelist()]
    return "\n".join(parts)


def _subject_export(staff) -> str:
    token = token_of(look_up(staff, JAN).get_data(as_text=True))
    response = staff.post("/compliance/people/export", {"token": token, "format": "json"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _erase(staff) -> tuple[dict[str, int], dict[str, int]]:
    """Confirm, then erase; the counts each page states, per kind."""
    token = token_of(look_up(staff, JAN).get_data(as_text=True))
    preview = staff.post("/compliance/people/erase/confirm", {"token": token}).get_data(True)
    done = staff.post("/compliance/people/erase", {"token": token})
    assert done.status_code == 200
    return _stated(preview), _stated(done.get_data(as_text=True))


def _stated(page: str) -> dict[str, int]:
    return {k: int(n) for k, n in re.findall(r'data-kind="(\w+)" data-count="(\d+)"', page)}


def _held(conn, data_dir) -> dict[str, int]:
    """What the database and the mail folder hold, counted per kind of erased item."""

    def count(sql: str) -> int:
        return conn.execute(sql).fetchone()[0]

    return {
        "contacts": count("SELECT count(*) FROM contacts"),
        "invitations": count("SELECT count(*) FROM invitations"),
        "contact_requests": count("SELECT count(*) FROM contact_requests"),
        "response_links": count("SELECT count(*) FROM response_contacts"),
        "paper_forms": count("SELECT count(*) FROM paper_scan_forms"),
        "names": count("SELECT count(*) FROM name_answers"),
        "open_answers": count(
            "SELECT count(*) FROM responses WHERE json_extract(answers, '$.remark') IS NOT NULL"
        ),
        "rejected_rows": count("SELECT count(*) FROM import_rejects"),
        "mail_files": len(list((Path(data_dir) / "mail").rglob("*.eml"))),
    }


def _counters(conn, survey_id: int) -> list[tuple]:
    return sorted(
        tuple(r)
        for r in conn.execute(
            "SELECT question, dim1, val1, dim2, val2, answer, n FROM report_counts"
            " WHERE survey_id = ?",
            (survey_id,),
        )
    )


def test_the_confirmation_counts_exactly_what_the_erasure_does(world, as_role, conn, data_dir):
    before = _held(conn, data_dir)
    preview, erased = _erase(as_role("staff"))
    after = _held(conn, data_dir)
    done = {kind: before[kind] - after[kind] for kind in before}
    assert done == {
        "contacts": 1,
        "invitations": 2,
        "contact_requests": 1,
        "response_links": 1,
        "paper_forms": 0,
        "names": 2,
        "open_answers": 2,
        "rejected_rows": 1,
        "mail_files": 1,
    }
    assert preview == done
    assert erased == done
    [details] = [
        json.loads(r[0])
        for r in conn.execute("SELECT details FROM audit_log WHERE action = 'subject.erased'")
    ]
    assert {kind: details[kind] for kind in done} == done


def test_no_page_export_or_byte_of_the_file_keeps_the_persons_own_words(
    world, as_role, conn, data_dir
):
    staff = as_role("staff")
    # Positive controls: the name is really there to be found, in every place looked at.
    assert NAME in _everything_staff_can_see(staff, world)
    assert REMARK_OPTIN in _subject_export(staff)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert NAME.encode() in _raw_database(data_dir)

    _erase(staff)
    retention_service.apply(conn, load_settings({"data_dir": str(data_dir)}, environ={}))

    seen = _everything_staff_can_see(staff, world)
    assert NAME not in seen and "Jansen" not in seen
    assert ELS_REMARK in seen  # someone else's anonymous words stay
    assert NAME not in _subject_export(staff)
    assert NAME.encode() not in _raw_database(data_dir)
    assert b"klant 4411" not in _raw_database(data_dir)


def test_closed_answers_stay_and_the_counters_still_equal_a_recount(world, as_role, conn):
    _erase(as_role("staff"))
    answers = {r[0]: json.loads(r[1]) for r in conn.execute("SELECT id, answers FROM responses")}
    assert answers[world.optin_response] == {"nps": "9", "sat": "4", "channel": "web"}
    assert answers[world.named_response] == {"nps": "7", "again": "yes"}
    assert answers[world.els_response] == {"nps": "4", "remark": ELS_REMARK}
    for survey_id in (world.anonymous_survey, world.named_survey):
        live = _counters(conn, survey_id)
        with transaction(conn):
            report_store.rebuild(conn, survey_id)
        assert _counters(conn, survey_id) == live


def test_the_keyed_hash_of_an_erased_open_answer_goes_too(world, as_role, conn, data_dir):
    """It would let anyone with the hash key confirm a guess of the text."""
    hasher = load_keys(data_dir).hasher()

    def held(text: str) -> bool:
        digest = hasher.digest("open-text", "remark\x1f" + " ".join(text.lower().split()))
        return (
            conn.execute(
                "SELECT count(*) FROM open_text_hashes WHERE digest = ?", (digest,)
            ).fetchone()[0]
            == 1
        )

    assert held(REMARK_OPTIN) and held(REMARK_NAMED) and held(ELS_REMARK)
    _erase(as_role("staff"))
    assert not held(REMARK_OPTIN) and not held(REMARK_NAMED)
    assert held(ELS_REMARK)
