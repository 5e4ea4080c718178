"""Rows and waves say nothing about who answered.

The rows of a breakdown and the choices of a filter are the values the invitations carried
(``report_segment_values``), each held by at least k invited contacts, a rarer value merged into
"Other"; a value nobody answered from looks exactly like one a few answered from. Campaigns are
waves named by their start date, never by the name staff typed, with their counts below k hidden.
Run in the mailing world: a real import, campaign, SMTP server and answers through the links.
"""

from __future__ import annotations

import io
import re
import sqlite3
import zipfile

import pytest

from appliance import db
from appliance.contacts.mapping import suggest
from appliance.db import transaction
from appliance.reports import store as report_store
from appliance.reports.gate import Gate
from tests import factories
from tests.factories import answer_page, grant
from tests.mailing.conftest import link_in
from tests.pdftext import pdf_strings

# Invited contacts per region, and how many of them answer.
INVITED = {"alfa": 25, "bravo": 6, "charlie": 5, "delta": 2}
ANSWER = {"alfa": 20, "bravo": 3, "charlie": 0, "delta": 2}
WAVE_NAME = "Najaar Jansen Bouw (3 klachten)"


def _panel() -> bytes:
    lines = ["E-mailadres;Taal;Regio"]
    for region, count in INVITED.items():
        lines += [f"{region}{i}@example.nl;nl;{region}" for i in range(count)]
    return ("\n".join(lines) + "\n").encode()


def _import(world, data: bytes, name: str) -> None:
    headers = data.decode().splitlines()[0].split(";")
    targets = suggest(headers)
    targets[headers.index("Regio")] = "segment:regio"
    world.imports.run(data, targets=targets, list_name=name)


def _answer(world, app, who) -> int:
    client, answered = app.test_client(), 0
    for address, messages in world.received().items():
        if who(address):
            assert answer_page(client, link_in(messages[0], "i"), {"nps": "8"}).status_code == 200

            answered += 1
    return answered


@pytest.fixture
def panel(world, app, conn, cast):
    """The panel invited and answered as in INVITED and ANSWER, granted to the researcher."""
    _import(world, _panel(), "Panel")
    with transaction(conn):
        report_store.set_reportable(conn, world.survey_id, ["regio"])
    world.campaign(list_name="Panel", reminders=0, name=WAVE_NAME)
    assert world.deliver().sent == sum(INVITED.values())

    def chosen(address: str) -> bool:
        region, number = re.match(r"([a-z]+)(\d+)@", address).groups()
        return int(number) < ANSWER[region]

    assert _answer(world, app, chosen) == sum(ANSWER.values())
    factories.fold_pending(conn)  # as the fold of `serve` does a second later
    grant(conn, cast["researcher"], world.survey_id)
    return world.survey_id


def _pdf_strings(body: bytes) -> list[str]:
    """The text a PDF shows, string by string in the order it is drawn."""
    return pdf_strings(body)


def _xlsx_text(body: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        return "".join(book.read(n).decode() for n in book.namelist())


def test_every_offered_value_is_a_row_and_nobody_looks_like_a_few(as_role, conn, panel):
    researcher = as_role("researcher")
    body = researcher.get(f"/reports/{panel}/data.json?breakdown=regio").get_json()
    rows = {g["label"]: g for g in body["groups"]}
    assert list(rows) == ["alfa", "bravo", "charlie", "~other"]
    assert rows["~other"]["name"] == "Other"
    bravo, charlie = dict(rows["bravo"]), dict(rows["charlie"])
    assert bravo.pop("label") == "bravo" and charlie.pop("label") == "charlie"
    assert bravo.pop("name") == "bravo" and charlie.pop("name") == "charlie"
    assert bravo == charlie == {"n": None, "hidden": True, "summary": None, "bars": []}
    nps = next(q for q in body["questions"] if q["id"] == "nps")
    groups = {
        g["label"]: {k: v for k, v in g.items() if k not in ("label", "name")}
        for g in nps["groups"]
    }
    assert groups["bravo"] == groups["charlie"]
    choices = {c["value"]: c for c in body["filters"]["regio"]}
    assert list(choices) == ["alfa", "bravo", "charlie", "~other"]
    assert choices["bravo"]["allowed"] is choices["charlie"]["allowed"] is False
    for value in ("bravo", "charlie"):
        refused = researcher.get(f"/reports/{panel}/data.json?filter=regio%3D{value}").get_json()
        assert refused["refused_filter"] == f"regio={value}"
    everything = str(body)
    page = researcher.get(f"/reports/{panel}?breakdown=regio").get_data(as_text=True)
    for value in ("bravo", "charlie"):
        assert f'<option value="regio={value}" >{value} (too small)</option>' in page
        assert f"<tr><td>{value}</td><td>&lt; 5</td></tr>" in page
    assert "<tr><td>Other</td>" in page and "~other" not in page.split("<select")[0]
    csv = researcher.get(f"/reports/{panel}/report.csv?breakdown=regio").get_data(as_text=True)
    assert '"respondents by group","","bravo","","< 5"' in csv
    assert '"respondents by group","","charlie","","< 5"' in csv
    assert '"respondents by group","","Other"' in csv
    xlsx = _xlsx_text(researcher.get(f"/reports/{panel}/report.xlsx?breakdown=regio").data)
    assert "bravo" in xlsx and "charlie" in xlsx and "Other" in xlsx
    strings = _pdf_strings(researcher.get(f"/reports/{panel}/report.pdf?breakdown=regio").data)
    pairs: dict[str, str] = {}  # a label and the string drawn after it, first time drawn
    for label, value in zip(strings, strings[1:], strict=False):
        pairs.setdefault(label, value)
    assert pairs["bravo"] == pairs["charlie"] == "< 5"
    assert "Other" in pairs
    for text in (everything, page, csv, xlsx, " ".join(strings)):
        assert "delta" not in text  # held by two invited contacts: inside Other


def test_a_value_of_the_contacts_is_offered_only_when_k_were_invited(conn, panel):
    offered = report_store.offered_values(conn, panel)
    assert offered == {"regio": ["alfa", "bravo", "charlie", "~other"]}


def test_waves_are_named_by_date_and_their_small_counts_hidden(
    world, app, as_role, conn, data_dir, cast, panel
):
    # A second wave of three, sent from a list of its own, not answered yet.
    three = "".join(f"x{i}@example.nl;nl;alfa\n" for i in (1, 2, 3))
    _import(world, f"E-mailadres;Taal;Regio\n{three}".encode(), "Klein")
    world.campaign(list_name="Klein", reminders=0, name="Klant Jansen Bouw")
    world.deliver()
    conn.execute("UPDATE campaigns SET started_at = '2026-03-03T08:00:00+00:00'")
    researcher = as_role("researcher")

    def waves():
        return researcher.get(f"/reports/{panel}/data.json").get_json()["campaigns"]

    first, second = waves()
    assert first["label"] == "Wave of 3 March 2026 (1)"
    assert second["label"] == "Wave of 3 March 2026 (2)"
    assert (first["recipients"], first["responses"], first["rate"]) == (38, 25, 0.658)
    # Three invited: hidden; nobody answered: a zero names nobody.
    assert (second["recipients"], second["responses"], second["rate"]) == (None, 0, None)
    texts = [
        str(waves()),
        researcher.get(f"/reports/{panel}").get_data(as_text=True),
        researcher.get(f"/reports/{panel}/report.csv").get_data(as_text=True),
        _xlsx_text(researcher.get(f"/reports/{panel}/report.xlsx").data),
        " ".join(_pdf_strings(researcher.get(f"/reports/{panel}/report.pdf").data)),
    ]
    for text in texts:
        assert "Jansen" not in text and "Najaar" not in text
        assert "Wave of 3 March 2026 (2)" in text
    # One answer in the small wave: hidden, and the big wave with it (the total is shown).
    assert _answer(world, app, lambda address: address == "x1@example.nl") == 1
    assert waves() == [first, second]  # one change: not released yet
    with transaction(conn):
        report_store.release(conn, panel)
    first, second = waves()
    assert first["responses"] is second["responses"] is None
    assert first["rate"] is second["rate"] is None and first["hidden"] and second["hidden"]
    conn.execute("UPDATE users SET language = 'nl' WHERE id = ?", (cast["researcher"].id,))
    dutch = researcher.get(f"/reports/{panel}").get_data(as_text=True)
    assert "Verzending van 3 maart 2026 (1)" in dutch
    with Gate(db.db_path(data_dir), 5, None) as gate, pytest.raises(sqlite3.DatabaseError):
        gate._conn.execute("SELECT name FROM campaigns").fetchall()
