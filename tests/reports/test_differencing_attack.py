"""The differencing attack: a researcher collects every figure of every filter, breakdown and
period the API allows (JSON and CSV), and solves the linear system they form. No group below k
may come out.

Unknowns are the counts of the finest cells (region x customer type x mode x week x answer).
Each published count is one equation. So is each statistic whose interval (its displayed
precision, or its published range) leaves one integer for what lies behind it: the number of
numeric answers behind ``n``, the sum of answers behind a mean (times n), the sum of squares
behind a standard deviation (once the sum is known), the answers in the top two boxes, in each
NPS band and the promoters minus the detractors behind an NPS, and the responses of all waves
together (the respondents by invitation). A group (any combination of one value per dimension,
or none) is derivable exactly when its indicator vector lies in the row space of the equations;
the test fails on any derivable group with 1..k-1 responses, and on any published count that is
not the true one.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest

from appliance.reports.report import month_of_week
from tests.read_only import read_only_app, read_only_conn, read_only_data_dir  # noqa: F401
from tests.reports import attack, study

K, K_TEXT = 5, 10
FILTERS = [""] + [f"regio={r}" for r in study.REGIONS] + [f"klanttype={t}" for t in study.TYPES]
BREAKDOWNS = ["", "mode", "regio", "klanttype"]
MEASURES = {
    "": [""],
    "channel": ["shop", "web", "phone"],
    "nps": [*map(str, range(11)), "na"],
    "sat": [*map(str, range(1, 6))],
    "remark": ["*"],
}


@pytest.fixture(scope="module")
def small_groups(conn, data_dir, cast):
    """:func:`tests.reports.study.small_groups`, built once: the tests only read reports."""
    return study.small_groups(conn, data_dir, cast["researcher"])


NPS_BANDS = {
    "promoters": {"9": 1, "10": 1},
    "passives": {"7": 1, "8": 1},
    "detractors": {str(v): 1 for v in range(7)},
}


def _atoms(rows, measure):
    """True counts of the finest cells, and the universe of cells an attacker must consider."""
    counts: Counter = Counter()
    for r in rows:
        values = [""] if measure == "" else []
        if measure == "remark":
            values = ["*"] if r["answers"].get("remark") else []
        elif measure:
            found = attack.answer_of(r, measure)
            values = [found] if found is not None else []
        for value in values:
            counts[(r["regio"], r["klanttype"], r["mode"], r["week"], value)] += 1
    weeks = sorted({r["week"] for r in rows})
    domains = [
        ["", *study.REGIONS],
        ["", *study.TYPES],
        list(study.MODES),
        weeks,
        MEASURES[measure],
    ]
    return counts, list(itertools.product(*domains)), weeks


COLUMN = {"regio": 0, "klanttype": 1, "mode": 2, "week": 3, "answer": 4, "month": 5}


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

    def weighted(self, conditions, weights: dict[str, float]) -> np.ndarray:
        """The cells of a group, each weighted by a function of its answer."""
        answers = self.columns[COLUMN["answer"]]
        factor = np.array([weights.get(a, 0.0) for a in answers], dtype=float)
        return self.vector(conditions) * factor


def _one_integer(low: float, high: float, scale: float = 1.0) -> int | None:
    """The one integer in [low, high] * scale, if there is exactly one."""
    first, last = math.ceil(low * scale - 1e-9), math.floor(high * scale + 1e-9)
    return first if first == last else None


def _equations(group: attack.Group, measure: str) -> list[tuple[dict, dict | None, int]]:
    """(conditions, answer weights or None for a count, value) of every equation one group's
    published figures pin."""
    out = []
    if group.n is not None:
        out.append((group.conditions, None, group.n))
    for answer, count in group.bars.items():
        if count is not None:
            out.append(({**group.conditions, "answer": answer}, None, count))
    if measure not in attack.SCALES or "n" not in group.figures:
        return out
    numeric = [a for a in MEASURES[measure] if a.isdigit()]
    size = _one_integer(*group.figures["n"])
    if size is None or size == 0:
        return out
    out.append((group.conditions, dict.fromkeys(numeric, 1.0), size))
    (low_end, high_end), _ = attack.SCALES[measure]
    linear = {
        "mean": {a: float(a) for a in numeric},
        "top2": {a: 1.0 for a in numeric if int(a) >= high_end - 1},
    }
    if measure == "nps":
        linear.update(NPS_BANDS)
        linear["nps"] = {a: (1.0 if int(a) >= 9 else -1.0 if int(a) <= 6 else 0) for a in numeric}
    sums = {}
    for name, weights in linear.items():
        if name not in group.figures:
            continue
        low, high = group.figures[name]
        scale = size / 100 if name == "nps" else size
        pinned = _one_integer(low, high, scale)
        if pinned is not None:
            sums[name] = pinned
            out.append((group.conditions, weights, pinned))
    if "mean" in sums and "sd" in group.figures and size > 1:
        low, high = group.figures["sd"]
        squares = [(size - 1) * s * s + sums["mean"] ** 2 / size for s in (max(low, 0), high)]
        pinned = _one_integer(*squares)
        if pinned is not None:
            out.append((group.conditions, {a: float(a) ** 2 for a in numeric}, pinned))
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
    published = attack.collect(as_role("researcher"), small_groups, FILTERS, BREAKDOWNS)
    assert len(published.groups) > 300
    rows = attack.responses(conn, small_groups)
    derived = 0
    for measure in MEASURES:
        k = K_TEXT if measure == "remark" else K
        truth, atoms, weeks = _atoms(rows, measure)
        universe = Universe(atoms)
        x = np.array([truth[a] for a in atoms], dtype=float)
        equations = {}
        for group in published.groups.values():
            if group.measure != measure:
                continue
            for conditions, weights, value in _equations(group, measure):
                if weights is None:
                    vector = universe.vector(conditions).astype(float)
                    assert not 0 < value < k, (measure, conditions, value)
                else:
                    vector = universe.weighted(conditions, weights)
                    derived += 1
                actual = vector @ x
                assert abs(value - actual) < 1e-6, (measure, conditions, weights, value, actual)
                equations[vector.tobytes()] = vector
        if measure == "" and published.campaigns:
            answered = [c["responses"] for c in published.campaigns]
            if None not in answered:
                vector = universe.vector({"mode": "invitation"}).astype(float)
                equations[vector.tobytes()] = vector
        matrix = np.array(list(equations.values()), dtype=float)
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
    assert derived > 20  # the statistics were read, and pinned what they could


def test_the_small_regions_are_refused_as_filters(as_role, small_groups):
    researcher = as_role("researcher")
    for region in ("texel", "west"):
        body = researcher.get(
            f"/reports/{small_groups}/data.json", query_string={"filter": f"regio={region}"}
        ).get_json()
        assert body["refused_filter"] == f"regio={region}"
        assert body["view"]["filter"] is None
