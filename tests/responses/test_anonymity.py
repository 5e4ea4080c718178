"""Anonymity by construction: what a response row holds, and what a full copy of the database
cannot reveal about who answered what."""

from __future__ import annotations

import random
import sqlite3
import uuid
from datetime import date

import pytest

from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.reports.gate import Gate
from appliance.responses import service as responses_service
from appliance.responses import store as responses_store
from appliance.surveys import store as surveys_store
from appliance.surveys.definition import Definition
from appliance.surveys.templates import TEMPLATES

TODAY = date(2026, 11, 22)


@pytest.fixture
def survey(conn):
    with transaction(conn):
        return surveys_store.create_survey(
            conn, Definition.parse(TEMPLATES["customer_satisfaction"])
        )


@pytest.fixture
def keys(data_dir):
    return load_keys(data_dir)


def spearman(xs: list[float], ys: list[float]) -> float:
    def ranks(values):
        order = sorted(range(len(values)), key=values.__getitem__)
        out = [0.0] * len(values)
        for rank, index in enumerate(order):
            out[index] = float(rank)
        return out

    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    mean = (n - 1) / 2
    cov = sum((a - mean) * (b - mean) for a, b in zip(rx, ry, strict=True))
    var = sum((a - mean) ** 2 for a in rx)
    return cov / var


def test_a_response_row_has_no_place_for_who_or_when(conn):
    columns = {r[1] for r in conn.execute("PRAGMA table_info(responses)")}
    assert columns == {
        "id",
        "survey_id",
        "mode",
        "submitted_on",
        "language",
        "segments",
        "answers",
        "duration_s",
        "flags",
        "excluded_reason",
        "excluded_on",
        # 0 until the fold has counted it (seconds), then how it is counted: no time, no order.
        "folded",
        # 0 or 1: the respondent was told of publication on the first page. The same for every
        # respondent of a survey while the notice is on, so it names nobody.
        "publication_notice",
        # What "folded" was at the survey's last release: 0 or 1, a state like "folded".
        "released",
    }
    invitation_columns = {r[1] for r in conn.execute("PRAGMA table_info(invitations)")}
    assert not {c for c in invitation_columns if "at" in c.split("_") or "time" in c}


def test_nobody_can_link_responses_to_invitations_by_order(conn, survey, keys):
    """Many invitations answered one after the other: from a full copy of the database, neither
    the ids nor the order rows are stored in follow the order of completion."""
    hasher, cipher = keys.hasher(), keys.cipher()
    with transaction(conn):
        tokens = [responses_store.create_invitation(conn, hasher, survey, None) for _ in range(300)]
    random.Random(7).shuffle(tokens)
    completed = []
    for n, token in enumerate(tokens):
        completed.append(
            responses_service.submit(
                conn,
                hasher,
                cipher,
                survey_id=survey,
                mode="invitation",
                language="nl",
                answers={"nps": str(n % 11), "grade": "8"},
                form_key=uuid.uuid4().hex,
                today=TODAY,
                invitation_hash=responses_store.invitation_hash(hasher, token),
            )
        )
    completion_rank = {rid: n for n, rid in enumerate(completed)}
    by_id = sorted(completed)
    stored = [r[0] for r in conn.execute("SELECT id FROM responses")]  # physical order
    assert len(stored) == 300 and len(set(stored)) == 300
    for order in (by_id, stored):
        rho = spearman([completion_rank[r] for r in order], list(range(len(order))))
        assert abs(rho) < 0.25, rho  # sd ~0.058 by chance for n = 300: 0.25 is over 4 of them
    days = {r[0] for r in conn.execute("SELECT submitted_on FROM responses")}
    assert days == {"2026-11-22"}
    assert conn.execute("SELECT count(*) FROM invitations WHERE used = 1").fetchone()[0] == 300


def test_an_invitation_answers_once_and_a_double_submit_is_one_response(conn, survey, keys):
    hasher, cipher = keys.hasher(), keys.cipher()
    with transaction(conn):
        token = responses_store.create_invitation(conn, hasher, survey, None)
    args = dict(
        survey_id=survey,
        mode="invitation",
        language="nl",
        answers={"nps": "10"},
        today=TODAY,
        invitation_hash=responses_store.invitation_hash(hasher, token),
    )
    first = responses_service.submit(conn, hasher, cipher, form_key="k1", **args)
    assert responses_service.submit(conn, hasher, cipher, form_key="k1", **args) == first
    with pytest.raises(responses_store.AlreadyAnswered):
        responses_service.submit(conn, hasher, cipher, form_key="k2", **args)
    assert surveys_store.response_count(conn, survey) == 1


def test_a_typed_name_is_sealed_and_out_of_the_researchers_reach(conn, survey, keys, data_dir):
    from appliance import db

    hasher, cipher = keys.hasher(), keys.cipher()
    rid = responses_service.submit(
        conn,
        hasher,
        cipher,
        survey_id=survey,
        mode="link",
        language="nl",
        answers={"nps": "7"},
        form_key="k",
        today=TODAY,
        names={"name": "Kanarie Zangvogelaar"},
    )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = b"".join(p.read_bytes() for p in data_dir.glob("appliance.db*"))
    assert b"Zangvogelaar" not in raw
    sealed = conn.execute("SELECT value FROM name_answers").fetchone()[0]
    assert cipher.decrypt(sealed, "name_answers", "value", rid) == "Kanarie Zangvogelaar"
    with Gate(db.db_path(data_dir), 5, None) as gate, pytest.raises(sqlite3.DatabaseError):
        gate._conn.execute("SELECT * FROM name_answers").fetchall()


def test_ids_are_128_random_bits(conn, survey, keys):
    ids = {responses_store.new_response_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(len(i) == 32 for i in ids)
