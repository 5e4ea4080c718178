"""Second round of attacks on a copy of the data directory (the database; no key files needed).

The copy says which invitations were used (``invitations.used``; the reminders in ``outbox`` and
``campaigns.responses`` say it too), and only a used invitation can have given a response. These
tests join responses with the used invitations only, as an attacker would, with the real import,
campaign, SMTP and answer flow: each response must still match at least k of them.
The last test reads SQLite's wal-index (``-shm``) of a copy taken while the appliance idles."""

from __future__ import annotations

import json
import random
import sqlite3
import struct
import time

from appliance import db
from appliance.keys import load as load_keys
from appliance.responses.segments import LANGUAGE
from tests.anonymity import forensics
from tests.anonymity.test_commit_order import _invitations
from tests.anonymity.test_segments import K, _import_panel
from tests.factories import answer_page
from tests.mailing.conftest import link_in


def _answer(app, message, marker: str) -> None:
    done = answer_page(app.test_client(), link_in(message, "i"), {"nps": "8", "why": marker})
    assert done.status_code == 200


def _candidates(stolen, survey_id: int) -> dict[str, set[int]]:
    """response id -> the used invitations whose fixed values could have given it."""
    used = [
        (r["id"], json.loads(r["segments"] or "{}"))
        for r in stolen.execute(
            "SELECT id, segments FROM invitations WHERE survey_id = ? AND used = 1", (survey_id,)
        )
    ]
    out = {}
    for response in stolen.execute(
        "SELECT id, segments, language FROM responses WHERE survey_id = ? AND mode = 'invitation'",
        (survey_id,),
    ):
        stored = json.loads(response["segments"])
        # No values: withheld (too few had answered alike yet), so it could be anyone's.
        out[response["id"]] = {
            invitation
            for invitation, fixed in used
            if (not stored or {a: v for a, v in fixed.items() if a != LANGUAGE} == stored)
            and response["language"] in ("", fixed.get(LANGUAGE))
        }
    return out


def _peel(candidates: dict[str, set[int]]) -> dict[str, int]:
    """Links the attacker is sure of: a response with one candidate takes it from the others,
    until nothing changes."""
    left = {rid: set(c) for rid, c in candidates.items()}
    links: dict[str, int] = {}
    while True:
        sure = {rid: next(iter(c)) for rid, c in left.items() if len(c) == 1 and rid not in links}
        if not sure:
            return links
        links.update(sure)
        for rid, c in left.items():
            if rid not in links:
                c.difference_update(sure.values())


def _truth(stolen, survey_id: int) -> dict[str, int]:
    """response id -> the invitation that gave it (from the marker each respondent typed)."""
    return {
        r["id"]: int(json.loads(r["answers"])["why"].split("-")[1])
        for r in stolen.execute(
            "SELECT id, answers FROM responses WHERE survey_id = ?", (survey_id,)
        )
    }


def _invitation_of(world) -> dict[str, int]:
    """address -> its invitation id (what the attacker with the keys reads, too)."""
    cipher = load_keys(world.data_dir).cipher()
    return {
        cipher.decrypt(blob, "contacts", "email", cid): iid
        for iid, cid, blob in world.conn.execute(
            "SELECT i.id, c.id, c.email FROM invitations i JOIN contacts c ON c.id = i.contact_id"
        )
    }


def test_responses_match_k_used_invitations_at_a_usual_response_rate(
    world, app, conn, data_dir, tmp_path
):
    """60 invited, 12 answer (20 %): every response must still match k used invitations."""
    _import_panel(world)
    world.campaign(list_name="Panel", reminders=0)
    assert world.deliver().sent == 60
    invitation_of = _invitation_of(world)
    received = world.received()
    for address in random.Random(3).sample(sorted(received), 12):
        _answer(app, received[address][0], f"inv-{invitation_of[address]}")

    stolen = forensics.steal(data_dir, tmp_path)
    candidates = _candidates(stolen, world.survey_id)
    assert len(candidates) == 12
    links = _peel(candidates)
    truth = _truth(stolen, world.survey_id)
    assert all(truth[rid] == invitation for rid, invitation in links.items())
    fewest = min(len(c) for c in candidates.values())
    assert not links and fewest >= K, (len(links), fewest)


def test_a_wave_smaller_than_k_is_not_told_apart_from_the_others(
    world, app, conn, data_dir, tmp_path
):
    """A campaign whose filter selects 3 people stores no values for them; one answers. Beside
    a large wave, "no values" must not name that one person."""
    _import_panel(world)
    world.campaign(list_name="Panel", reminders=0, segment_filter={"regio": ["noord", "zuid"]})
    world.campaign(
        list_name="Panel", reminders=0, name="Eilanden", segment_filter={"regio": ["texel", "west"]}
    )
    assert world.deliver().sent == 48
    invitation_of = _invitation_of(world)
    received = world.received()
    small = [a for a in sorted(received) if int(a[1:].split("@")[0]) >= 57]
    assert len(small) == 3
    chosen = [*random.Random(4).sample(sorted(set(received) - set(small)), 20), small[0]]
    for address in chosen:
        _answer(app, received[address][0], f"inv-{invitation_of[address]}")

    stolen = forensics.steal(data_dir, tmp_path)
    candidates = _candidates(stolen, world.survey_id)
    links = _peel(candidates)
    truth = _truth(stolen, world.survey_id)
    assert all(truth[rid] == invitation for rid, invitation in links.items())
    assert invitation_of[small[0]] not in links.values(), "the small wave's respondent is named"


def _shm_pages(shm: bytes) -> set[int]:
    """Page numbers the wal-index (``-shm``) still maps: its first hash block, which the last
    generation of the log wrote and a checkpoint leaves in place."""
    header, slots = 136, 4062
    return {p for p in struct.unpack(f"={slots}I", shm[header : header + 4 * slots]) if p}


def _rowids(page: bytes) -> list[int]:
    """Row ids of the cells of a table leaf page (not page 1)."""
    cells = struct.unpack(">H", page[3:5])[0]
    out = []
    for (offset,) in struct.iter_unpack(">H", page[8 : 8 + 2 * cells]):
        at = offset
        for _ in range(2):  # payload size, then row id
            value = 0
            for _ in range(9):
                byte = page[at]
                at += 1
                value = (value << 7) | (byte & 0x7F)
                if byte < 0x80:
                    break
        out.append(value)
    return out


def test_a_copy_of_an_idle_server_does_not_name_the_last_respondents_page(
    app, conn, data_dir, tmp_path
):
    survey_id, made = _invitations(conn, data_dir, 600)
    client = app.test_client()
    answered = made[:30]
    for token, invitation_id in answered:
        done = answer_page(client, f"/i/{token}", {"nps": "7", "why": f"inv-{invitation_id}"})
        assert done.status_code == 200

    # The server idles; the attacker copies the data directory, -shm included.
    path = db.db_path(data_dir)
    wal = path.with_name(path.name + "-wal")
    main = path.read_bytes()
    deadline = time.monotonic() + 5
    while (
        forensics.wal_pages(wal.read_bytes()) - {forensics.pad_page(main)}
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert forensics.wal_pages(wal.read_bytes()) <= {forensics.pad_page(main)}
    main = path.read_bytes()
    shm = path.with_name(path.name + "-shm").read_bytes()
    copy = tmp_path / "copy.db"
    copy.write_bytes(main)
    stolen = sqlite3.connect(copy)
    stolen.row_factory = sqlite3.Row
    touched = _shm_pages(shm)
    pages_of = {
        name: {
            p
            for (p,) in stolen.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf'", (name,)
            )
        }
        for name in ("invitations", "responses")
    }
    # Without the fresh log's first write, the wal-index kept the pages of the last commit:
    # the invitation page narrowed the last respondent to 5 of 30, and the lowest cell of the
    # response page was their response.
    assert touched, "the wal-index maps at least the page that started the new log"
    assert not touched & (pages_of["invitations"] | pages_of["responses"]), sorted(touched)
