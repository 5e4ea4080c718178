"""What a report is made of: the view asked for, the counters read, the measures of a
questionnaire, and the gated objects handed to pages and exports (``assemble`` fills them).

Rows of a dimension never depend on responses: a segment attribute offers the values its
invitations carry (``report_segment_values``), the mode a fixed list, so the presence of a row
says nothing. Counters of a value not offered, and of responses without a value, are counted in
:data:`UNKNOWN`, which is part of every total but never a row (``protect`` calls it virtual).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from appliance.reports.counters import UNCOUNTED
from appliance.reports.derived import Summary
from appliance.surveys.definition import CHOICE_TYPES, SCALES, TEXT_TYPES, Definition


@dataclass(frozen=True)
class Suppressed:
    """A value hidden because its group has fewer than ``k`` responses (or because it would
    reveal such a group). Carries no count."""

    k: int

    def __str__(self) -> str:
        return f"< {self.k}"


Count = int | Suppressed


@dataclass(frozen=True)
class View:
    """What the viewer asked for. ``filter`` is (attribute, value) of a reportable segment;
    ``breakdown`` is 'mode' or a reportable attribute; ``period`` 'week' or 'month'."""

    filter: tuple[str, str] | None = None
    breakdown: str | None = None
    period: str = "month"

    def params(self) -> dict[str, str]:
        out = {"period": self.period}
        if self.filter:
            out["filter"] = f"{self.filter[0]}={self.filter[1]}"
        if self.breakdown:
            out["breakdown"] = self.breakdown
        return out


@dataclass(frozen=True)
class Bar:
    answer: str
    n: Count
    share: float | None  # of the line's total; None when hidden


@dataclass(frozen=True)
class Group:
    """A breakdown group or a trend point."""

    label: str
    n: Count
    summary: Summary | None = None
    bars: tuple[Bar, ...] = ()


@dataclass
class QuestionReport:
    id: str
    type: str
    text: dict[str, str]
    kind: str  # 'scale', 'choice', 'multiple', 'text'
    n: Count
    summary: Summary | None = None
    bars: tuple[Bar, ...] = ()
    groups: tuple[Group, ...] = ()
    trend: tuple[Group, ...] = ()
    hidden_in_filter: bool = False
    scale: tuple[int, int] | None = None
    benchmark: Mapping | None = None
    choices: dict[str, dict[str, str]] = field(default_factory=dict)  # value -> text per language


@dataclass
class Report:
    survey_id: int
    title: str
    k: int
    k_text: int
    view: View
    respondents: Count
    excluded: int
    questions: list[QuestionReport] = field(default_factory=list)
    groups: tuple[Group, ...] = ()  # respondents per breakdown group
    trend: tuple[Group, ...] = ()  # respondents per period
    campaigns: list[dict] = field(default_factory=list)
    # Response rates per sampled mode (``reports.dispositions.RateRow``), as of the release.
    rates: list = field(default_factory=list)
    period: str = "month"
    filters: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)  # value, allowed
    breakdowns: list[str] = field(default_factory=list)
    # Up to when the figures hold every response: the release for a researcher, the last
    # complete fold of the live counters for staff; whether a recount is under way.
    as_of: datetime | None = None
    recounting: bool = False
    released: bool = False  # read from a release (a researcher), not the live counters


class FilterRefused(Exception):
    """The filter would single out, or leave out, fewer than k responses."""

    def __init__(self, attribute: str, value: str, k: int):
        super().__init__(f"{attribute}={value}")
        self.attribute, self.value, self.k = attribute, value, k


@functools.lru_cache(maxsize=4096)
def month_of_week(week: str) -> str:
    """The month an ISO week belongs to: the month of its Thursday (so months nest weeks)."""
    thursday = date.fromisocalendar(int(week[:4]), int(week[6:]), 4)
    return thursday.strftime("%Y-%m")


# ---- input shaping ------------------------------------------------------------------------------

Hist = dict[str, int]


# The survey modes, always offered in this order (a mode nobody used is a row all the same).
MODES = ("invitation", "link", "kiosk", "paper", "phone", "onsite")
# Responses without an offered value of a segment attribute.
UNKNOWN = ""
# The answer of a respondent who gave none to a question (skipped it, or never saw it): a cell of
# every question's line, so that the line's total is the group's respondents and the skippers
# are protected like any other answer.
NO_ANSWER = "#none"


class Counts:
    """One-way counters by measure -> (dim, value) -> answer -> n, and the cross counters of
    the filter attribute by measure -> (dim2, (v1, v2)) -> answer -> n (the week crossed
    with the filter comes already summed per month). A segment value not in ``offered`` (per
    attribute) is counted as :data:`UNKNOWN`."""

    def __init__(self, margins, cross=None, offered=None, first: str = ""):
        self.offered: dict[str, list[str]] = {a: sorted(v) for a, v in (offered or {}).items()}
        self._offered = {a: set(v) for a, v in self.offered.items()}
        self.one: dict[str, dict[tuple[str, str], Hist]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(int))
        )
        for question, dim, val, answer, n in margins:
            self.one[question][(dim, self.fold(dim, val))][answer] += n
            if dim == "week":
                self.one[question][("month", month_of_week(val))][answer] += n
        self.cross: dict[str, dict[str, dict[tuple[str, str], Hist]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
        )
        for dim2, rows in (cross or {}).items():
            for question, v1, v2, answer, n in rows:
                key = (self.fold(first, v1), self.fold(dim2, v2))
                self.cross[question][dim2][key][answer] += n

    def fill_no_answer(self, measures: list[Measure]) -> None:
        """Count :data:`NO_ANSWER` of each measure in every group, one-way and crossed: the
        group's respondents less those who answered."""
        people = self.one[""]
        for measure in measures:
            one = self.one[measure.id]
            for key, hist in people.items():
                one[key][NO_ANSWER] = hist.get("", 0) - measure.answered(one[key])
            for dim2, cells in self.cross[""].items():
                cross = self.cross[measure.id][dim2]
                for key, hist in cells.items():
                    cross[key][NO_ANSWER] = hist.get("", 0) - measure.answered(cross[key])

    def fold(self, dim: str, value: str) -> str:
        if dim.startswith("seg:") and value not in self._offered.get(dim[4:], ()):
            return UNKNOWN
        return value

    def members(self, measure: str, dim: str) -> list[str]:
        """The rows of a dimension: offered values, every mode, or the periods counted."""
        if dim == "mode":
            return list(MODES)
        if dim.startswith("seg:"):
            return list(self.offered.get(dim[4:], ()))
        return sorted(v for (d, v) in self.one[measure] if d == dim)

    def groups(self, measure: str, dim: str) -> dict[str, Hist]:
        """Counters of every row of ``dim`` (empty ones too) and, for a segment, of
        :data:`UNKNOWN`."""
        keys = self.members(measure, dim)
        if dim.startswith("seg:"):
            keys.append(UNKNOWN)
        one = self.one[measure]
        return {v: dict(one[(dim, v)]) if (dim, v) in one else {} for v in keys}


# ---- the measures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    id: str
    kind: str  # 'respondents', 'scale', 'choice', 'multiple', 'text'
    answers: tuple[str, ...] = ()
    scale: tuple[int, int] | None = None
    is_nps: bool = False

    def answered(self, hist: Mapping[str, int]) -> int:
        """How many in the group gave an answer ('not applicable' included)."""
        if self.kind in ("respondents", "multiple"):
            return hist.get("", 0)
        if self.kind == "text":
            return hist.get("*", 0)
        return sum(n for answer, n in hist.items() if answer != NO_ANSWER)

    def size(self, hist: Mapping[str, int]) -> int:
        """The total of the group's lines: its respondents for an answer line (those who gave
        no answer included), the answers given for an open text."""
        if self.kind in ("respondents", "text"):
            return self.answered(hist)
        return self.answered(hist) + hist.get(NO_ANSWER, 0)

    def lines(self, hist: Mapping[str, int]) -> list[dict[str, int]]:
        """The answer lines whose totals are the group size, :data:`NO_ANSWER` a cell of each:
        one for a single answer, one per option (chosen / not chosen) for multiple choice, none
        for texts and respondents."""
        none = hist.get(NO_ANSWER, 0)
        if self.kind in ("scale", "choice"):
            return [{**{a: hist.get(a, 0) for a in self.answers}, NO_ANSWER: none}]
        if self.kind == "multiple":
            answered = self.answered(hist)
            return [
                {a: hist.get(a, 0), f"not:{a}": answered - hist.get(a, 0), NO_ANSWER: none}
                for a in self.answers
            ]
        return []


def measures_of(definition: Definition) -> list[tuple[Measure, object, str]]:
    """(measure, question, item label key) per counted question or matrix item."""
    out = []
    for q in definition.questions.values():
        if q.type in UNCOUNTED:
            continue
        if q.type in TEXT_TYPES:
            out.append((Measure(q.id, "text"), q, ""))
        elif q.type == "matrix":
            for item in q.items:
                m = Measure(f"{q.id}.{item.value}", "scale", q.values(), q.scale)
                out.append((m, q, item.value))
        elif q.type in SCALES:
            m = Measure(q.id, "scale", q.values(), q.scale, is_nps=q.type == "nps")
            out.append((m, q, ""))
        elif q.type == "multiple":
            out.append((Measure(q.id, "multiple", tuple(c.value for c in q.choices)), q, ""))
        elif q.type in (*CHOICE_TYPES, "yesno"):
            out.append((Measure(q.id, "choice", q.values()), q, ""))
    return out


def hide_small(n: int, hidden: bool, k: int) -> Count:
    """The one rule for a count: hidden when asked (complementary, or a labelled group's zero)
    or when 1..k-1; otherwise a zero is shown, as it names nobody."""
    return Suppressed(k) if hidden or 0 < n < k else n
