"""Second round of attacks by the researcher: what she can learn by combining the report's
figures with each other, with the waves, and with a second look after the data changed.

Each test states the privacy property and plays the attack as the researcher would, from the
JSON she downloads (the page, CSV, XLSX and PDF are written from the same report). Tests of a
property the current design cannot keep without a larger change are marked ``xfail(strict)``
with the change they need.
"""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

import pytest

from appliance.db import transaction
from appliance.reports import protect
from appliance.reports import store as report_store
from appliance.reports.report import NO_ANSWER
from appliance.responses import store as responses_store
from tests.factories import grant
from tests.mailing.conftest import smtp, world  # noqa: F401
from tests.reports import study
from tests.reports.panel.test_segment_rows import _answer, _import, panel  # noqa: F401

K = 5


def _json(browser, survey_id, **params) -> dict:
    return browser.get(f"/reports/{survey_id}/data.json", query_string=params).get_json()


def _rows(body: dict) -> dict[str, int | None]:
    return {g["label"]: g["n"] for g in body["groups"]}


def _question(body: dict, qid: str) -> dict:
    return next(q for q in body["questions"] if q["id"] == qid)


# ---- waves against the mode breakdown --------------------------------------------------------


def test_a_small_wave_cannot_be_worked_out_from_the_invitation_mode(
    world,  # noqa: F811
    app,
    as_role,
    conn,
    data_dir,
    panel,  # noqa: F811
):
    """All waves together are the responses by invitation. When the mode breakdown shows that
    count, the waves' hidden remainder (responses not from a wave) is known, so it cannot stand
    in for a hidden wave: 26 by invitation minus 25 of the big wave gave the small wave's 1."""
    three = "".join(f"x{i}@example.nl;nl;alfa\n" for i in (1, 2, 3))
    _import(world, f"E-mailadres;Taal;Regio\n{three}".encode(), "Klein")
    world.campaign(list_name="Klein", reminders=0, name="Klein")
    world.deliver()
    assert _answer(world, app, lambda address: address == "x1@example.nl") == 1
    rng = random.Random(2)
    for _ in range(10):  # the open link on the website
        study.respond(conn, data_dir, panel, rng, mode="link", answers={"nps": "7"})
    researcher = as_role("researcher")
    body = _json(researcher, panel, breakdown="mode")
    modes = _rows(body)
    waves = [c["responses"] for c in body["campaigns"]]
    assert body["respondents"] == 36 and modes["invitation"] == 26
    shown = [n for n in waves if n is not None]
    hidden = len(waves) - len(shown)
    worked_out = modes["invitation"] - sum(shown)
    assert worked_out == 0 or (worked_out >= K and hidden >= 2), (waves, worked_out)


# ---- a second look after one more response ---------------------------------------------------


REGIONS = {"noord": 40, "zuid": 22, "oost": 9, "texel": 6, "west": 4}


@pytest.fixture
def live(conn, data_dir, cast):
    """A survey still collecting: every response from an invitation wave with its region, four
    of them from west, granted to the researcher. Returns (survey id, add one response)."""
    survey_id = study.create(conn)
    study.offer(conn, survey_id, {"regio": list(REGIONS)})
    with transaction(conn):
        report_store.set_reportable(conn, survey_id, ["regio"])
    rng = random.Random(7)
    study.respond_by_region(conn, data_dir, survey_id, rng, REGIONS)
    grant(conn, cast["researcher"], survey_id)

    def one_more(region: str, answers: dict) -> str:
        return study.respond(
            conn,
            data_dir,
            survey_id,
            rng,
            region=region,
            mode="link",
            day=study.START + timedelta(days=27),
            answers=answers,
        )

    return survey_id, one_more


NEW = {
    "nps": "2",
    "sat": "1",
    "grade": "4",
    "effort": "7",
    "channel": "phone",
    "topics": ["price"],
    "again": "no",
    "aspects": {"service": "1", "quality": "1"},
}


@pytest.mark.xfail(
    strict=True,
    reason="a hidden count that reaches k between two releases is bounded by its later count,"
    " and the public hiding rule may leave one earlier value; needs each release protected"
    " against the previous one",
)
def test_a_region_that_reaches_k_does_not_give_away_its_earlier_count(as_role, live):
    survey_id, one_more = live
    researcher = as_role("researcher")
    before = _json(researcher, survey_id, breakdown="regio")
    # One more from west, and the report does not move until a release of k changes.
    one_more("west", NEW)
    assert _json(researcher, survey_id, breakdown="regio") == before
    for _ in range(K - 1):
        one_more("noord", NEW)
    after = _json(researcher, survey_id, breakdown="regio")
    assert before["respondents"] + K == after["respondents"]
    rows0, rows1 = _rows(before), _rows(after)
    assert rows0["west"] is None and None not in rows1.values()
    # After: every row shown and they add up to the respondents, so nobody is without a region.
    assert sum(rows1.values()) == after["respondents"]
    # Before: the hidden rows share what the shown ones leave, each at most its later count;
    # the protection is public code, so each candidate must give the pattern that was shown.
    hidden = [r for r, n in rows0.items() if n is None]
    left = before["respondents"] - sum(n for n in rows0.values() if n is not None)
    fits = []
    for split in itertools.product(*(range(rows1[r] + 1) for r in hidden)):
        if sum(split) != left:
            continue
        guess = dict(zip(hidden, split, strict=True))
        line = {**{r: n for r, n in rows0.items() if n is not None}, **guess}
        if protect.protect_line(line, K, strict=list(line)) == set(hidden):
            fits.append(guess)
    assert len({f["west"] for f in fits}) > 1, f"west before the release: {fits}"


def _readable_answers(before: dict, after: dict) -> dict[str, str]:
    """Per question the one answer whose bar rose by one between two looks while every other
    bar stayed: the new response's answer."""
    found = {}
    for q0 in before["questions"]:
        q1 = _question(after, q0["id"])
        bars0, bars1 = (
            {b["answer"]: b["n"] for b in q["bars"] if not b["hidden"]} for q in (q0, q1)
        )
        if set(bars0) != set(bars1) or len(bars0) != len(q0["bars"]):
            continue
        moved = {a: bars1[a] - bars0[a] for a in bars0 if bars1[a] != bars0[a]}
        if list(moved.values()) == [1]:
            found[q0["id"]] = next(iter(moved))
    return found


def test_two_looks_around_one_response_do_not_read_its_answers(as_role, live):
    survey_id, one_more = live
    researcher = as_role("researcher")
    before = _json(researcher, survey_id)
    one_more("west", NEW)
    after = _json(researcher, survey_id)
    read = _readable_answers(before, after)
    assert not read, f"the new response answered {read}"


def test_two_looks_around_an_exclusion_do_not_read_the_excluded_response(as_role, conn, live):
    survey_id, one_more = live
    researcher = as_role("researcher")
    before = _json(researcher, survey_id, breakdown="regio")
    # Staff find one response of oost unreliable and exclude it.
    victim = conn.execute(
        "SELECT id FROM responses WHERE survey_id = ? AND segments LIKE '%oost%' LIMIT 1",
        (survey_id,),
    ).fetchone()[0]
    with transaction(conn):
        responses_store.set_excluded(conn, victim, "straightliner", "2026-10-20")
    # The exclusion waits for the next release, with at least k changes in it.
    assert _json(researcher, survey_id, breakdown="regio") == before
    for _ in range(4):
        one_more("noord", NEW)
    after = _json(researcher, survey_id, breakdown="regio")
    assert after != before
    moved = {r: n1 - _rows(before)[r] for r, n1 in _rows(after).items() if n1 is not None}
    assert moved.get("oost") != -1 or not _readable_answers(after, before)


def test_the_excluded_count_is_not_a_small_group(as_role, conn, live):
    survey_id, _ = live
    victim = conn.execute(
        "SELECT id FROM responses WHERE survey_id = ? LIMIT 1", (survey_id,)
    ).fetchone()[0]
    with transaction(conn):
        responses_store.set_excluded(conn, victim, "duplicate", "2026-10-20")
    researcher = as_role("researcher")
    body = _json(researcher, survey_id)
    assert body["excluded"] is None or not 0 < body["excluded"] < K
    page = researcher.get(f"/reports/{survey_id}").get_data(as_text=True)
    assert "left out of every figure: 1." not in page


# ---- skipped questions -------------------------------------------------------------------------


def _skipped(people, q: dict, group: dict) -> list[int]:
    """Every way the published figures of one group give the number of its respondents who did
    not answer the question: the respondents less the question's n, the 'no answer' bar, the
    n less every other bar of a single-answer question, the n less an exact count of numeric
    answers (and 'not applicable')."""
    n, bars = group["n"], {b["answer"]: b for b in group.get("bars") or []}
    out = []
    if people is not None and n is not None:
        out.append(people - n)
    if n is None:
        return out
    if NO_ANSWER in bars and not bars[NO_ANSWER]["hidden"]:
        out.append(bars[NO_ANSWER]["n"])
    others = [b for a, b in bars.items() if a != NO_ANSWER]
    if q["type"] != "multiple" and others and not any(b["hidden"] for b in others):
        out.append(n - sum(b["n"] for b in others))
    numeric = (group.get("summary") or {}).get("n")
    na = bars.get("na")
    if isinstance(numeric, int) and (na is None or not na["hidden"]):
        out.append(n - numeric - (na["n"] if na else 0))
    return out


def test_those_who_skipped_a_question_are_not_a_small_group(as_role, conn, small_groups):
    """'Not applicable' below k is hidden; so are the answerers who skipped the question
    altogether, however they are worked out, in every group the researcher can see."""
    researcher = as_role("researcher")
    found = []
    for breakdown in ("", "regio", "klanttype", "mode"):
        body = _json(researcher, small_groups, breakdown=breakdown, period="week")
        for q in body["questions"]:
            if q["type"] in ("text_long", "name"):
                continue
            views = [(body["respondents"], q, "all")]
            views += [
                (g["n"], qg, f"{breakdown}={g['label']}")
                for g, qg in zip(body["groups"], q["groups"], strict=True)
            ]
            views += [
                (g["n"], qg, f"week={g['label']}")
                for g, qg in zip(body["trend"], q["trend"], strict=True)
                if g["label"] == qg["label"]
            ]
            for people, group, where in views:
                for skipped in _skipped(people, q, group):
                    if 0 < skipped < K:
                        found.append((q["id"], where, skipped))
    assert not found, f"skipped by fewer than k: {found[:5]}"
