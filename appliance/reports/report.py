"""Assembling a report from counters: the figures and which of them to hide. Pure functions.

Contract of :func:`assemble`: given a survey's questionnaire, its one-way counters and (for a
filtered view) the cross counters of the filter attribute, it returns a :class:`Report` in which
every count below the minimum group size is a :class:`Suppressed`, complementary counts are hidden
as ``protect`` decides, and a statistic is present only for a group that is shown. Open-text
questions carry a count only, under their own (higher) threshold. Only ``gate`` calls this.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from appliance.reports import protect, stats
from appliance.reports.counters import UNCOUNTED
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
    summary: stats.Summary | None = None
    bars: tuple[Bar, ...] = ()


@dataclass
class QuestionReport:
    id: str
    type: str
    text: dict[str, str]
    kind: str  # 'scale', 'choice', 'multiple', 'text'
    n: Count
    summary: stats.Summary | None = None
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
    period: str = "month"
    filters: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)  # value, allowed
    breakdowns: list[str] = field(default_factory=list)


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


class Counts:
    """One-way counters by measure -> (dim, value) -> answer -> n, and the cross counters of
    the filter attribute by measure -> (dim2, (v1, v2)) -> answer -> n (the week crossed
    with the filter comes already summed per month)."""

    def __init__(self, margins, cross=None):
        self.one: dict[str, dict[tuple[str, str], Hist]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(int))
        )
        for question, dim, val, answer, n in margins:
            self.one[question][(dim, val)][answer] += n
            if dim == "week":
                self.one[question][("month", month_of_week(val))][answer] += n
        self.cross: dict[str, dict[str, dict[tuple[str, str], Hist]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
        )
        for dim2, rows in (cross or {}).items():
            for question, v1, v2, answer, n in rows:
                self.cross[question][dim2][(v1, v2)][answer] += n

    def groups(self, measure: str, dim: str) -> dict[str, Hist]:
        return {v: h for (d, v), h in self.one[measure].items() if d == dim}


# ---- the measures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    id: str
    kind: str  # 'respondents', 'scale', 'choice', 'multiple', 'text'
    answers: tuple[str, ...] = ()
    scale: tuple[int, int] | None = None
    is_nps: bool = False

    def size(self, hist: Mapping[str, int]) -> int:
        if self.kind in ("respondents", "multiple"):
            return hist.get("", 0)
        if self.kind == "text":
            return hist.get("*", 0)
        return sum(hist.values())

    def lines(self, hist: Mapping[str, int]) -> list[dict[str, int]]:
        """The answer lines whose totals are the group size: one for a single answer, one per
        option (chosen / not chosen) for multiple choice, none for texts and respondents."""
        if self.kind in ("scale", "choice"):
            return [{a: hist.get(a, 0) for a in self.answers}]
        if self.kind == "multiple":
            size = self.size(hist)
            return [{a: hist.get(a, 0), f"not:{a}": size - hist.get(a, 0)} for a in self.answers]
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


# ---- assembling ---------------------------------------------------------------------------------


def hide_small(n: int, hidden: bool, k: int) -> Count:
    """The one rule for a count: hidden when asked (complementary) or when 1..k-1; a zero is
    shown, as it names nobody."""
    return Suppressed(k) if hidden or 0 < n < k else n


def _bars(measure: Measure, hist: Hist, hidden: set, k: int) -> tuple[Bar, ...]:
    out = []
    for line in measure.lines(hist):
        total = sum(line.values())
        for answer, n in line.items():
            if answer.startswith("not:"):
                continue
            shown = answer not in hidden and total > 0
            out.append(Bar(answer, hide_small(n, not shown, k), n / total if shown else None))
    return tuple(out)


def _hidden_answers(measure: Measure, hist: Hist, k: int) -> set:
    hidden: set = set()
    for line in measure.lines(hist):
        hidden |= protect.protect_line(line, k)
    return hidden


def _summary(measure: Measure, hist: Hist):
    if measure.kind != "scale":
        return None
    return stats.summary(hist, measure.scale, measure.is_nps)


class Assembler:
    def __init__(self, counts: Counts, k: int, k_text: int, view: View):
        self.counts, self.view = counts, view
        self.k, self.k_text = k, k_text

    def threshold(self, measure: Measure) -> int:
        return self.k_text if measure.kind == "text" else self.k

    def hidden_groups(self, measure: Measure, dim: str) -> tuple[dict[str, Hist], set]:
        groups = self.counts.groups(measure.id, dim)
        sizes = {v: measure.size(h) for v, h in groups.items()}
        return groups, protect.protect_line(sizes, self.threshold(measure))

    def trend(self, measure: Measure) -> tuple[Group, ...]:
        k = self.threshold(measure)
        months, hidden_months = self.hidden_groups(measure, "month")
        if self.view.filter:
            return self._filtered_table(measure, "month", months, hidden_months)
        if self.view.period == "month":
            return tuple(
                Group(
                    m,
                    hide_small(measure.size(h), m in hidden_months, k),
                    self._stat(measure, h, m in hidden_months),
                )
                for m, h in sorted(months.items())
            )
        weeks = self.counts.groups(measure.id, "week")
        hidden = protect.nested(
            {m: measure.size(h) for m, h in months.items()},
            {w: measure.size(h) for w, h in weeks.items()},
            {w: month_of_week(w) for w in weeks},
            hidden_months,
            k,
        )
        return tuple(
            Group(
                w, hide_small(measure.size(h), w in hidden, k), self._stat(measure, h, w in hidden)
            )
            for w, h in sorted(weeks.items())
        )

    def _stat(self, measure: Measure, hist: Hist, hidden: bool):
        return None if hidden else _summary(measure, hist)

    def breakdown(self, measure: Measure, answers_hidden: set) -> tuple[Group, ...]:
        dim = self.view.breakdown
        if not dim:
            return ()
        groups, hidden_rows = self.hidden_groups(measure, dim)
        if self.view.filter:
            return self._filtered_table(measure, dim, groups, hidden_rows)
        k = self.threshold(measure)
        out = []
        for g, h in sorted(groups.items()):
            row_hidden = g in hidden_rows
            cell_hidden = self._hidden_answer_cells(measure, groups, hidden_rows, answers_hidden, g)
            out.append(
                Group(
                    g,
                    hide_small(measure.size(h), row_hidden, k),
                    self._stat(measure, h, row_hidden),
                    () if row_hidden else _bars(measure, h, cell_hidden, k),
                )
            )
        return tuple(out)

    def _filtered_table(self, measure, dim, col_groups, hidden_cols) -> tuple[Group, ...]:
        """Row ``value`` of the table (filter attribute x ``dim``), protected as a whole."""
        attribute, value = self.view.filter
        k = self.threshold(measure)
        rows, hidden_rows = self.hidden_groups(measure, f"seg:{attribute}")
        cross = self.counts.cross[measure.id][dim]
        table = {rc: measure.size(h) for rc, h in cross.items()}
        hidden = protect.protect_table(table, rows, col_groups, hidden_rows, hidden_cols, k)
        out = []
        for col in sorted(col_groups):
            hist = cross.get((value, col), {})
            cell_hidden = (value, col) in hidden
            out.append(
                Group(
                    col,
                    hide_small(measure.size(hist), cell_hidden, k),
                    self._stat(measure, hist, cell_hidden),
                )
            )
        return tuple(out)

    def question(self, measure: Measure, question, item: str) -> QuestionReport:
        k = self.threshold(measure)
        hist = self.counts.one[measure.id][("", "")]
        text = dict(question.text)
        if item:
            label = next(i.label for i in question.items if i.value == item)
            text = {lang: f"{question.text[lang]}: {label[lang]}" for lang in question.text}
        report = QuestionReport(
            measure.id,
            question.type,
            text,
            measure.kind,
            hide_small(measure.size(hist), False, k),
            scale=measure.scale,
            choices={c.value: dict(c.label) for c in question.choices},
        )
        if isinstance(report.n, Suppressed):
            return report
        answers_hidden = _hidden_answers(measure, hist, k)
        if self.view.filter:
            attribute, value = self.view.filter
            rows, hidden_rows = self.hidden_groups(measure, f"seg:{attribute}")
            if value in hidden_rows or value not in rows:
                report.n, report.hidden_in_filter = Suppressed(k), True
                return report
            fhist = rows[value]
            report.n = measure.size(fhist)
            report.summary = _summary(measure, fhist)
            report.bars = self._filtered_bars(measure, rows, hidden_rows, answers_hidden, value)
        else:
            report.summary = _summary(measure, hist)
            report.bars = _bars(measure, hist, answers_hidden, k)
        if measure.kind != "text":
            report.groups = self.breakdown(measure, answers_hidden)
            report.trend = self.trend(measure)
        return report

    def _filtered_bars(self, measure, rows, hidden_rows, answers_hidden, value):
        cell_hidden = self._hidden_answer_cells(measure, rows, hidden_rows, answers_hidden, value)
        return _bars(measure, rows[value], cell_hidden, self.threshold(measure))

    def _hidden_answer_cells(self, measure, groups, hidden_groups, answers_hidden, group) -> set:
        """Hidden answers of ``group`` in the table (groups x answer lines), protected whole.
        Deterministic, so computing it again for another group gives the same pattern."""
        table = {
            (g, (i, answer)): n
            for g, h in groups.items()
            for i, line in enumerate(measure.lines(h))
            for answer, n in line.items()
        }
        cols = {key[1] for key in table}
        hidden_cols = {c for c in cols if c[1] in answers_hidden}
        k = self.threshold(measure)
        hidden = protect.protect_table(table, groups, cols, hidden_groups, hidden_cols, k)
        return {c[1] for (r, c) in hidden if r == group}


def assemble(
    survey_id: int,
    title: str,
    definition: Definition,
    counts: Counts,
    k: int,
    k_text: int,
    view: View,
    reportable: list[str],
) -> Report:
    respondents = Measure("", "respondents")
    asm = Assembler(counts, k, k_text, view)
    total = respondents.size(counts.one[""][("", "")])
    excluded = counts.one["#excluded"][("", "")].get("", 0)
    filters = {}
    for attribute in reportable:
        groups, hidden = asm.hidden_groups(respondents, f"seg:{attribute}")
        filters[attribute] = [(v, v not in hidden) for v in sorted(groups)]
    report = Report(
        survey_id,
        title,
        k,
        k_text,
        view,
        hide_small(total, False, k),
        excluded,
        period="month" if view.filter else view.period,
        filters=filters,
        breakdowns=["mode", *reportable],
    )
    if view.filter:
        attribute, value = view.filter
        if (value, True) not in filters.get(attribute, []):
            raise FilterRefused(attribute, value, k)
    if isinstance(report.respondents, Suppressed):
        return report
    if view.filter:
        report.respondents = respondents.size(
            asm.hidden_groups(respondents, f"seg:{view.filter[0]}")[0][view.filter[1]]
        )
    report.groups = asm.breakdown(respondents, set())
    report.trend = asm.trend(respondents)
    for measure, question, item in measures_of(definition):
        report.questions.append(asm.question(measure, question, item))
    return report
