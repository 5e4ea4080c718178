"""The differencing attack: a researcher collects every figure of every filter, breakdown and
period the API allows, and solves the linear system they form. No group below k may come out.

Unknowns are the counts of the finest cells (region x customer type x mode x week x answer).
Each published count is one equation. A group (any combination of one value per dimension, or
none) is derivable exactly when its indicator vector lies in the row space of the equations;
the test fails on any derivable group with 1..k-1 responses, and on any published count that is
not the true one.
"""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from datetime import timedelta

import numpy as np
import pytest

from appliance.db import transaction
from appliance.reports import store
from appliance.reports.counters import week_of
from appliance.reports.report import month_of_week
from tests.reports import study

K, K_TEXT = 5, 10
FILTERS = [""] + [f"regio={r}" for r in study.REGIONS] + [f"klanttype={t}" for t in study.TYPES]
BREAKDOWNS = ["", "mode", "regio", "klanttype"]
MEASURES = {"": [""], "channel": ["shop", "web", "phone"], "nps": [], "remark": ["*"]}
MEASURES["nps"] = [*map(str, range(11)), "na"]


@pytest.fixture
def small_groups(conn, data_dir, cast):
    survey_id = study.create(conn)
    rng = random.Random(11)
    with transaction(conn):
        store.set_reportable(conn, survey_id, ["regio", "klanttype"])
    sizes = {"noord": 40, "zuid": 22, "oost": 9, "texel": 2, "west": 3}
    for region, count in sizes.items():
        for _ in range(count):
            study.respond(
                conn,
                data_dir,
                survey_id,
                rng,
                region=region,
                kind=rng.choice(study.TYPES),
                mode=rng.choice(study.MODES),
                day=study.START + timedelta(days=rng.randint(0, 27)),
                remark=rng.choice([None, "Goed"]),
            )
    conn.execute("INSERT INTO researcher_grants VALUES (?, ?)", (cast["researcher"].id, survey_id))
    return survey_id


def _atoms(conn, survey_id, measure):
    """True counts of the finest cells, and the universe of cells an attacker must consider."""
    counts: Counter = Counter()
    for seg, mode, day, answers in conn.execute(
        "SELECT segments, mode, submitted_on, answers FROM responses WHERE survey_id = ?",
        (survey_id,),
    ):
        seg, answers = json.loads(seg), json.loads(answers)
        if measure == "":
            values = [""]
        elif measure == "remark":
            values = ["*"] if answers.get("remark") else []
        else:
            values = [answers[measure]] if measure in answers else []
        for value in values:
            counts[(seg.get("regio", ""), seg.get("klanttype", ""), mode, week_of(day), value)] += 1
    weeks = sorted({a[3] for a in counts})
    domains = [
        ["", *study.REGIONS],
        ["", *study.TYPES],
        list(study.MODES),
        weeks,
        MEASURES[measure],
    ]
    universe = list(itertools.product(*domains))
    return counts, universe, weeks


COLUMN = {
    "regio": 0,
    "seg:regio": 0,
    "klanttype": 1,
    "seg:klanttype": 1,
    "mode": 2,
    "week": 3,
    "answer": 4,
    "month": 5,
}


class Universe:
    """The cells as columns of strings, so a group's indicator vector is one comparison."""

    def __init__(self, atoms):
        self.atoms = atoms
        rows = [(*a, month_of_week(a[3])) for a in atoms]
        self.columns = [np.array(col, dtype=object) for col in zip(*rows, strict=True)]

    def vector(self, conditions) -> np.ndarray:
        mask = np.ones(len(self.atoms), dtype=bool)
        for dim, value in conditions.items():
            mask &= self.columns[COLUMN[dim]] == value
        return mask


def _published(browser, survey_id):
    """(measure, conditions, value) of every count shown anywhere."""
    out = []
    for flt, breakdown, period in itertools.product(FILTERS, BREAKDOWNS, ("week", "month")):
        body = browser.get(
            f"/reports/{survey_id}/data.json",
            query_string={"filter": flt, "breakdown": breakdown, "period": period},
        ).get_json()
        view = body["view"]
        base = {}
        if view["filter"]:
            base[view["filter"]["attribute"]] = view["filter"]["value"]
        dim, per = view["breakdown"], view["period"]

        def add(measure, extra, n, base=base):
            if n is not None:
                out.append((measure, {**base, **extra}, n))

        add("", {}, body["respondents"])
        for g in body["groups"]:
            add("", {dim: g["label"]}, g["n"])
        for g in body["trend"]:
            add("", {per: g["label"]}, g["n"])
        for q in body["questions"]:
            if q["id"] not in MEASURES:
                continue
            add(q["id"], {}, q["n"])
            for b in q["bars"]:
                add(q["id"], {"answer": b["answer"]}, b["n"])
            for g in q["groups"]:
                add(q["id"], {dim: g["label"]}, g["n"])
                for b in g["bars"]:
                    add(q["id"], {dim: g["label"], "answer": b["answer"]}, b["n"])
            for g in q["trend"]:
                add(q["id"], {per: g["label"]}, g["n"])
    return out


def _groups(weeks, answers):
    """Every group an attacker could aim at: one value or none per dimension."""
    months = sorted({month_of_week(w) for w in weeks})
    times = [{}] + [{"week": w} for w in weeks] + [{"month": m} for m in months]
    for region, kind, mode, time, answer in itertools.product(
        [None, "", *study.REGIONS],
        [None, "", *study.TYPES],
        [None, *study.MODES],
        times,
        [None, *answers],
    ):
        conditions = dict(time)
        for name, value in (("regio", region), ("klanttype", kind), ("mode", mode)):
            if value is not None:
                conditions[name] = value
        if answer is not None:
            conditions["answer"] = answer
        yield conditions


def test_no_group_below_k_can_be_derived_from_all_allowed_views(as_role, conn, small_groups):
    published = _published(as_role("researcher"), small_groups)
    assert len(published) > 500
    for measure in MEASURES:
        k = K_TEXT if measure == "remark" else K
        truth, atoms, weeks = _atoms(conn, small_groups, measure)
        universe = Universe(atoms)
        x = np.array([truth[a] for a in atoms], dtype=float)
        rows = {}
        for m, conditions, value in published:
            if m != measure:
                continue
            vector = universe.vector(conditions)
            actual = int(x[vector].sum())
            assert value == actual, (measure, conditions, value, actual)
            assert not 0 < value < k, (measure, conditions, value)
            rows[vector.tobytes()] = vector
        matrix = np.array(list(rows.values()), dtype=float)
        _, singular, vt = np.linalg.svd(matrix)
        rank = int((singular > 1e-8 * singular[0]).sum())
        null = vt[rank:].T  # columns span the unknown directions
        leaks = []
        for conditions in _groups(weeks, MEASURES[measure] if measure else []):
            g = universe.vector(conditions).astype(float)
            true = g @ x
            if 0 < true < k and np.abs(g @ null).max(initial=0) < 1e-7:
                leaks.append((conditions, int(true)))
        assert not leaks, f"{measure!r}: derivable small groups {leaks[:5]}"


def test_the_small_regions_are_refused_as_filters(as_role, small_groups):
    researcher = as_role("researcher")
    for region in ("texel", "west"):
        body = researcher.get(
            f"/reports/{small_groups}/data.json", query_string={"filter": f"regio={region}"}
        ).get_json()
        assert body["refused_filter"] == f"regio={region}"
        assert body["view"]["filter"] is None
