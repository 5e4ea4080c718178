"""The researcher's side of the attack tests: every figure she can collect, as constraints.

A *publication* is what one group (a measure, and one value or none per dimension) shows in one
view: its size, its bars and its statistics. Each statistic becomes an interval for its true
value: a number shown to d decimals is within half a unit of the last decimal, a range
``{min, max}`` (or ``7.1–7.2`` in a table) between its ends. The same group seen in several views
or files is merged: shown counts add to what is known, intervals intersect.

Figures are taken from what the researcher receives: the JSON of every view (the object the
page, CSV, XLSX and PDF are written from, ``export.to_json``), the CSV of every view
(``export.rows``, also the XLSX), and the page's and PDF's own renderings (``labels.Labels``
over the gate's report).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from appliance.reports import stats
from appliance.reports.counters import week_of
from appliance.reports.report import NO_ANSWER, month_of_week
from appliance.surveys.definition import Definition
from tests.reports import study

K = 5
# Decimals of each statistic in JSON and CSV.
DECIMALS = {
    "n": 0,
    "mean": 2,
    "median": 1,
    "sd": 2,
    "ci_low": 2,
    "ci_high": 2,
    "top2": 3,
    "nps": 1,
    "promoters": 3,
    "passives": 3,
    "detractors": 3,
}
JSON_NAMES = {"top2_share": "top2"}
CSV_COLUMNS = ("mean", "median", "sd", "ci_low", "ci_high", "top2", "nps")
SCALES = {
    q.id: (q.scale, q.type == "nps")
    for q in Definition.parse(study.DEFINITION).questions.values()
    if q.scale and q.type != "matrix"
}
SCALES["aspects.service"] = SCALES["aspects.quality"] = ((1, 5), False)


def views(filters, breakdowns) -> list[dict]:
    return [
        {"filter": f, "breakdown": b, "period": p}
        for f, b, p in itertools.product(filters, breakdowns, ("week", "month"))
    ]


def interval(value, decimals: int) -> tuple[float, float] | None:
    """The true value a published figure allows."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return (value["min"], value["max"])
    if isinstance(value, str):
        low, high = re.split(r"(?<=\d) ?\u2013 ?", value)
        return (float(low), float(high))
    half = 0.5 * 10**-decimals
    return (value - half, value + half)


@dataclass
class Group:
    """Everything known about one group of one measure, merged over the views that show it."""

    measure: str
    conditions: dict
    n: int | None = None
    bars: dict[str, int | None] = field(default_factory=dict)
    figures: dict[str, tuple[float, float]] = field(default_factory=dict)

    def know(self, n, bars: dict, figures: dict) -> None:
        if n is not None:
            assert self.n in (None, n), (self.measure, self.conditions, self.n, n)
            self.n = n
        for answer, count in bars.items():
            if count is not None:
                assert self.bars.get(answer) in (None, count), (self, answer, count)
                self.bars[answer] = count
            else:
                self.bars.setdefault(answer, None)
        for name, (low, high) in figures.items():
            old_low, old_high = self.figures.get(name, (-math.inf, math.inf))
            self.figures[name] = (max(low, old_low), min(high, old_high))


class Collection:
    def __init__(self):
        self.groups: dict[tuple, Group] = {}
        self.campaigns: list[dict] = []

    def add(self, measure, conditions, n, bars=None, figures=None) -> None:
        key = (measure, frozenset(conditions.items()))
        group = self.groups.setdefault(key, Group(measure, dict(conditions)))
        group.know(n, bars or {}, figures or {})

    def json_view(self, body: dict) -> None:
        base, dim, per = _frame(body["view"])
        self.add("", base, body["respondents"])
        for g in body["groups"]:
            self.add("", {**base, dim: g["label"]}, g["n"])
        for g in body["trend"]:
            self.add("", {**base, per: g["label"]}, g["n"])
        for q in body["questions"]:
            self.add(q["id"], base, q["n"], _bars(q["bars"]), _figures(q["summary"]))
            for g in q["groups"]:
                self.add(q["id"], {**base, dim: g["label"]}, g["n"], _bars(g["bars"]),
                         _figures(g["summary"]))  # fmt: skip
            for g in q["trend"]:
                self.add(q["id"], {**base, per: g["label"]}, g["n"], _bars(g["bars"]),
                         _figures(g["summary"]))  # fmt: skip
        self.campaigns = body["campaigns"]

    def csv_view(self, text: str, body: dict, question_ids: dict[str, str]) -> None:
        """The CSV of a view (``body``: the JSON of the same request, which maps the groups'
        names back to their values)."""
        base, dim, per = _frame(body["view"])
        values = {g["name"]: g["label"] for g in body["groups"]}
        rows = list(csv.reader(io.StringIO(text)))
        header = rows[0]
        for row in rows[1:]:
            cell = dict(zip(header, row, strict=True))
            section, measure = cell["section"], question_ids.get(cell["question"], "")
            where = dict(base)
            if section in ("respondents by group", "group", "group answer"):
                where[dim] = values[cell["group"]]
            elif section in ("respondents by period", "period", "period answer"):
                where[per] = cell["group"]
            elif section not in ("respondents", "question", "answer"):
                continue
            n = _csv_number(cell["n"])
            if section.endswith("answer"):
                self.add(measure, where, None, {cell["answer"]: n})
                continue
            figures = {}
            for name in CSV_COLUMNS:
                raw = cell["ci95_" + name[3:] if name.startswith("ci_") else _csv_name(name)]
                raw = raw.removeprefix("'")
                value = raw if "\u2013" in raw else _csv_number(raw)
                found = interval(value, DECIMALS[name]) if value not in (None, "") else None
                if found:
                    figures[name] = found
            self.add(measure, where, n, None, figures)


def _csv_name(name: str) -> str:
    return "top2_share" if name == "top2" else name


def _csv_number(raw: str):
    raw = raw.removeprefix("'")  # a formula-safe cell
    if raw.startswith("<") or raw == "":
        return None
    return float(raw) if "." in raw else int(raw)


def _frame(view: dict) -> tuple[dict, str, str]:
    base = {}
    if view["filter"]:
        base[view["filter"]["attribute"]] = view["filter"]["value"]
    dim = (view["breakdown"] or "").removeprefix("seg:")
    return base, dim, view["period"]


def _bars(bars: list[dict]) -> dict:
    return {b["answer"]: b["n"] for b in bars}


def _figures(summary: dict | None) -> dict:
    if not summary:
        return {}
    out = {}
    for key, value in summary.items():
        if key == "ci95":
            for name, part in zip(("ci_low", "ci_high"), value, strict=True):
                found = interval(part, DECIMALS[name])
                if found:
                    out[name] = found
            continue
        name = JSON_NAMES.get(key, key)
        found = interval(value, DECIMALS[name])
        if found:
            out[name] = found
    return out


def collect(browser, survey_id, filters, breakdowns, csv_too=True) -> Collection:
    """Every view's JSON (and CSV) as the researcher downloads them."""
    found = Collection()
    question_ids: dict[str, str] = {}
    for params in views(filters, breakdowns):
        body = browser.get(f"/reports/{survey_id}/data.json", query_string=params).get_json()
        found.json_view(body)
        question_ids.update({q["text"]: q["id"] for q in body["questions"]})
        if csv_too:
            text = browser.get(f"/reports/{survey_id}/report.csv", query_string=params)
            found.csv_view(text.get_data(as_text=True), body, question_ids)
    return found


# ---- the truth (what staff could read in the single responses) --------------------------------


def responses(conn, survey_id) -> list[dict]:
    out = []
    for seg, mode, day, answers in conn.execute(
        "SELECT segments, mode, submitted_on, answers FROM responses"
        " WHERE survey_id = ? AND excluded_on IS NULL",
        (survey_id,),
    ):
        seg, answers = json.loads(seg), json.loads(answers)
        week = week_of(day)
        out.append(
            {
                "regio": seg.get("regio", ""),
                "klanttype": seg.get("klanttype", ""),
                "mode": mode,
                "week": week,
                "month": month_of_week(week),
                "answers": answers,
            }
        )
    return out


def answer_of(response: dict, measure: str):
    question, _, item = measure.partition(".")
    value = response["answers"].get(question)
    if item:
        value = (value or {}).get(item)
    return None if value in (None, "", [], {}) else str(value)


def true_counts(rows: list[dict], measure: str, conditions: dict) -> Counter:
    found: Counter = Counter()
    for r in rows:
        if all(r[d] == v for d, v in conditions.items()):
            answer = answer_of(r, measure)
            found[NO_ANSWER if answer is None else answer] += 1
    return found


# ---- the enumeration -----------------------------------------------------------------------------

LIMIT = 150_000


def figure_of(s: stats.Summary, name: str) -> float | None:
    return getattr(s, name)


def consistent(group: Group, split: dict[str, int], scale, is_nps) -> bool:
    hist = {a: c for a, c in group.bars.items() if c is not None}
    hist.update(split)
    s = stats.summary({a: c for a, c in hist.items()}, scale, is_nps)
    for name, (low, high) in group.figures.items():
        if s is None:
            return False
        value = figure_of(s, name)
        if value is None or not low - 1e-9 <= value <= high + 1e-9:
            return False
    return True


def compositions(total: int, parts: int):
    """Every way to write ``total`` as ``parts`` counts (none assumed above zero: a table may
    hide a zero to protect another count)."""
    if parts == 0:
        if total == 0:
            yield ()
        return
    for bars in itertools.combinations(range(total + parts - 1), parts - 1):
        edges = (-1, *bars, total + parts - 1)
        yield tuple(b - a - 1 for a, b in itertools.pairwise(edges))


def solve(group: Group) -> dict[str, set[int]] | None:
    """Per hidden answer of a scale group, the values it takes over every distribution that fits
    all that is published of the group; None when there are too many to try."""
    scale, is_nps = SCALES[group.measure]
    hidden = sorted(a for a, c in group.bars.items() if c is None)
    mass = group.n - sum(c for c in group.bars.values() if c is not None)
    if not hidden:
        return {}
    if math.comb(mass + len(hidden) - 1, max(len(hidden) - 1, 0)) > LIMIT:
        return None
    taken: dict[str, set[int]] = {a: set() for a in hidden}
    for split in compositions(mass, len(hidden)):
        chosen = dict(zip(hidden, split, strict=True))
        if consistent(group, chosen, scale, is_nps):
            for a, c in chosen.items():
                taken[a].add(c)
    return taken


def leaks(collection: Collection, rows: list[dict], k: int = K) -> tuple[list, int]:
    """Hidden answer counts of 1..k-1 that every fitting distribution agrees on, and how many
    groups were solved."""
    found, solved = [], 0
    for group in collection.groups.values():
        if group.measure not in SCALES or group.n is None or not group.bars:
            continue
        truth = true_counts(rows, group.measure, group.conditions)
        assert sum(truth.values()) == group.n, (group.measure, group.conditions)
        taken = solve(group)
        if taken is None:
            continue
        solved += 1
        for answer, values in taken.items():
            assert truth[answer] in values, (group, answer, truth[answer], values)
            if values == {truth[answer]} and 0 < truth[answer] < k:
                found.append((group.measure, group.conditions, answer, truth[answer]))
    return found, solved
