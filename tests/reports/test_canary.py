"""Canary: a contact's address and name and a distinctive open answer never reach the
researcher, on any page, export or API response she can open."""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import zipfile
import zlib

from flask import url_for

from appliance.auth.guard import required_action
from appliance.auth.roles import allows
from appliance.keys import load as load_keys
from appliance.mailing import links
from appliance.responses import store as responses_store
from tests.contacts.conftest import Importer
from tests.factories import invite, submit_response
from tests.pdftext import pdf_text
from tests.reports import study

EMAIL, FIRST, LAST = "kanarie.91c@voorbeeld-bedrijf.nl", "Kanariepiet", "Zangvogelaar"
REMARK, NAME = "Mijn buurvrouw Truus-kanarie-4471 kreeg korting", "Truus Kanarie-Naam"
CANARIES = (EMAIL, FIRST, LAST, REMARK, "4471", NAME, "kanarie")


def _seed_canary(conn, data_dir, tmp_path, survey_id):
    imports = Importer(conn, data_dir, tmp_path)
    imports.run(
        f"email,voornaam,achternaam,regio,klanttype\n{EMAIL},{FIRST},{LAST},noord,b2b\n".encode()
    )
    contact_id = conn.execute("SELECT id FROM contacts").fetchone()[0]
    token, _ = invite(conn, data_dir, survey_id, contact_id)
    found = responses_store.find_invitation(
        conn, links.invitation_hash(load_keys(data_dir).hasher(), token)
    )
    answers = {**study.answers_for(random.Random(3)), "remark": REMARK}
    submit_response(
        conn,
        data_dir,
        survey_id,
        answers,
        "canary",
        mode="invitation",
        names={"who": NAME},
        today=study.START,
        segments=json.loads(found["segments"]),
        invitation=token,
        quality_flags=False,
    )


def _texts(response) -> str:
    """Everything readable in a response body: PDF streams inflated, XLSX parts unzipped."""
    body = response.data
    if body.startswith(b"%PDF"):
        shown = pdf_text(body)  # drawn in glyph ids of the embedded font: read back as shown
        # The trailer's random file id and the byte offsets of the cross-reference table are
        # digits that may hold the canary's by chance; so may the embedded font's binary data.
        body = re.sub(rb"/ID \[<[0-9a-fA-F]*><[0-9a-fA-F]*>\]", b"", body)
        body = re.sub(rb"\d{10} \d{5} [nf]", b"", body)
        parts = []
        for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S):
            with contextlib.suppress(zlib.error):
                stream = zlib.decompress(stream)
            binary = sum(b < 9 or 13 < b < 32 or b > 126 for b in stream)
            if binary <= len(stream) // 20:  # drawing and text, not font data
                parts.append(stream)
        outside = re.sub(rb"stream\r?\n.*?\r?\nendstream", b"", body, flags=re.S)
        body = outside + b"".join(parts) + shown.encode()
    elif body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            body = b"".join(book.read(name) for name in book.namelist())
    return body.decode("utf-8", errors="replace")


def test_no_canary_reaches_the_researcher(app, as_role, conn, data_dir, tmp_path, survey):
    _seed_canary(conn, data_dir, tmp_path, survey)
    staff = as_role("staff")
    staff_page = staff.get(f"/surveys/{survey}/responses").get_data(as_text=True)
    assert staff.get(f"/reports/{survey}").status_code == 200 and staff_page  # staff can look
    researcher = as_role("researcher")
    views = [
        {"filter": f, "breakdown": b, "period": p}
        for f in ("", "regio=noord", "klanttype=b2b")
        for b in ("", "mode", "regio", "klanttype")
        for p in ("week", "month")
    ]
    reached = 0
    for rule in app.url_map.iter_rules():
        action = required_action(app, rule.endpoint)
        if "GET" not in rule.methods or action is None or not allows("researcher", action):
            continue
        if rule.endpoint == "static":
            continue
        args = {name: survey for name in rule.arguments}
        if any(name not in ("survey_id",) for name in rule.arguments):
            args = {name: "x" for name in rule.arguments}  # tokens: nothing to find
        with app.test_request_context():
            url = url_for(rule.endpoint, **args)
        for params in views if rule.endpoint.startswith("reports.") else [{}]:
            response = researcher.get(url, query_string=params)
            text = _texts(response)
            for canary in CANARIES:
                assert canary.lower() not in text.lower(), (url, params, canary)
            reached += response.status_code == 200
    assert reached >= 5 * len(views)
    # The search reads inside the files: their own question text is found there.
    for kind in ("pdf", "xlsx", "csv"):
        assert "Recommend?" in _texts(researcher.get(f"/reports/{survey}/report.{kind}"))
