"""Segment values on responses, attacked from a copy of the database.

The attacker holds the data directory's database (not the key files): contacts with their
segment values in clear, invitations with their contact, responses with theirs. Each response
must still match at least k invitations and k contacts, whichever way it is joined."""

from __future__ import annotations

import json
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from appliance.contacts.mapping import suggest
from appliance.db import transaction
from appliance.reports import store as report_store
from appliance.responses.segments import LANGUAGE, OTHER, coarsen
from tests.anonymity import forensics
from tests.factories import answer_page
from tests.mailing.conftest import link_in

K = 5  # min_group_size's default
REGIONS = {"noord": 25, "zuid": 20, "oost": 12, "texel": 2, "west": 1}


def _panel() -> bytes:
    lines = ["E-mailadres;Taal;Regio;Klanttype;Accountmanager"]
    n = 0
    for region, count in REGIONS.items():
        for _ in range(count):
            kind = "zakelijk" if n % 3 else "particulier"
            language = "en" if n in (7, 33) else "nl"
            lines.append(f"p{n}@example.nl;{language};{region};{kind};am{n % 9}")
            n += 1
    return ("\n".join(lines) + "\n").encode()


def _import_panel(world) -> None:
    """The panel imported as list "Panel", its region, customer type and account manager as
    segments; region and customer type reportable for the world's survey."""
    headers = _panel().decode().splitlines()[0].split(";")
    targets = suggest(headers)
    for name in ("Regio", "Klanttype", "Accountmanager"):
        targets[headers.index(name)] = f"segment:{name.lower()}"
    world.imports.run(_panel(), targets=targets, list_name="Panel")
    with transaction(world.conn):
        report_store.set_reportable(world.conn, world.survey_id, ["regio", "klanttype"])


def _answer_every_invitation(world, app):
    _import_panel(world)
    world.campaign(list_name="Panel", reminders=0)
    assert world.deliver().sent == 60
    client = app.test_client()
    for messages in world.received().values():
        link = link_in(messages[0], "i")
        assert answer_page(client, link, {"nps": "8"}).status_code == 200


def _consistent(stored: dict, raw: dict) -> bool:
    """Could a contact with ``raw`` values have given a response storing ``stored``?"""
    return all(v == OTHER or raw.get(a) == v for a, v in stored.items())


def test_every_response_matches_at_least_k_invited_contacts(world, app, conn, data_dir, tmp_path):
    _answer_every_invitation(world, app)
    stolen = forensics.steal(data_dir, tmp_path)
    responses = stolen.execute(
        "SELECT segments, language FROM responses WHERE survey_id = ?", (world.survey_id,)
    ).fetchall()
    assert len(responses) == 60
    invited = stolen.execute(
        "SELECT c.segments AS raw, c.language FROM invitations i"
        " JOIN contacts c ON c.id = i.contact_id WHERE i.survey_id = ?",
        (world.survey_id,),
    ).fetchall()
    assert len(invited) == 60
    for response in responses:
        stored = json.loads(response["segments"])
        assert set(stored) <= {"regio", "klanttype"}, stored
        # Joined with the contacts' own values and language...
        raw = [
            i
            for i in invited
            if _consistent(stored, json.loads(i["raw"]))
            and response["language"] in ("", i["language"])
        ]
        assert len(raw) >= K, (stored, response["language"], len(raw))
    # ...and with the values fixed on the invitations.
    fixed = [
        {a: v for a, v in json.loads(r[0]).items() if a != LANGUAGE}
        for r in stolen.execute(
            "SELECT segments FROM invitations WHERE survey_id = ?", (world.survey_id,)
        )
    ]
    for response in responses:
        stored = json.loads(response["segments"])
        # No values (withheld until k answered alike) match every invitation.
        assert not stored or sum(f == stored for f in fixed) >= K, stored
    values = Counter(json.loads(r["segments"]).get("regio") for r in responses)
    # Texel (2) and west (1) are too rare to name; the others are named where they can be,
    # once k of their group have answered (the first k-1 of each group carry none).
    assert set(values) == {"noord", "zuid", "oost", OTHER, None}
    assert min(n for v, n in values.items() if v) >= 1
    assert sum(n for v, n in values.items() if v) >= 30
    # Two English speakers among 60: their language is not kept.
    assert {r["language"] for r in responses} <= {"nl", ""}


def test_nothing_that_no_report_uses_reaches_a_response(world, app, conn, cast, data_dir):
    _answer_every_invitation(world, app)
    stored = [json.loads(r[0]) for r in conn.execute("SELECT segments FROM responses")]
    assert len(stored) == 60
    assert all(set(s) in ({"regio", "klanttype"}, set()) for s in stored)
    assert sum(bool(s) for s in stored) >= 30
    assert not {"texel", "west"} & {s.get("regio") for s in stored}


def test_reports_offer_the_values_of_the_invited_never_the_rare_ones(world, app, conn):
    _answer_every_invitation(world, app)
    offered = conn.execute(
        "SELECT attribute, value FROM report_segment_values WHERE survey_id = ?"
        " ORDER BY attribute, value",
        (world.survey_id,),
    ).fetchall()
    assert [tuple(r) for r in offered] == [
        ("klanttype", "particulier"),
        ("klanttype", "zakelijk"),
        ("regio", "noord"),
        ("regio", "oost"),
        ("regio", "zuid"),
        ("regio", OTHER),
    ]


def test_a_wave_smaller_than_k_stores_no_values(world, app, conn):
    with transaction(conn):
        report_store.set_reportable(conn, world.survey_id, ["vestiging"])
    world.campaign(reminders=0, segment_filter={"vestiging": ["Zwolle"]})
    world.deliver()
    fixed = [json.loads(r[0]) for r in conn.execute("SELECT segments FROM invitations")]
    assert fixed == [{}, {}, {}]


rows = st.lists(
    st.fixed_dictionaries(
        {
            "a": st.sampled_from(["x", "y", "z", "w", ""]),
            "b": st.sampled_from(["p", "q", "r"]),
            "c": st.sampled_from(["1", "2", "3", "4", "5", "6"]),
        }
    ),
    max_size=80,
)


@given(rows, st.integers(3, 12), st.lists(st.sampled_from("abc"), unique=True))
def test_coarsening_leaves_no_combination_below_k(rows, k, attributes):
    stored = coarsen(rows, attributes, k)
    assert len(stored) == len(rows)
    combos = Counter(json.dumps(s, sort_keys=True) for s in stored if s)
    assert all(n >= k for n in combos.values()), combos
    for raw, kept in zip(rows, stored, strict=True):
        assert set(kept) <= set(attributes)
        assert _consistent(kept, {a: v for a, v in raw.items() if v})
