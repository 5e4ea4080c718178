"""Assembling a report from counters: which figures to publish and which to hide. Pure functions.

Contract of :func:`assemble`: given a survey's questionnaire, its counters (``report.Counts``)
and a view, it returns a :class:`report.Report` in which

- every count of 1..k-1 is a :class:`report.Suppressed`, and so is every zero of a labelled
  group (a segment value or a mode): every offered row is present, and "nobody" looks like "a
  few", so a row tells nothing by its presence or its figure;
- complementary counts are hidden as ``protect`` decides, for each line and each table as a
  whole, deterministically, so every view the researcher can ask for shows the same pattern;
- every statistic (mean, median, standard deviation, interval, top-2-box, NPS and its bands) is
  computed by ``derived`` from the published bars of its own group, never from the counters
  behind them, so it tells nothing the shown counts do not. A group that publishes no bars (a
  cell of a filtered view's breakdown or trend) carries no statistic.

Open-text questions carry a count only, under their own (higher) threshold. Only ``gate`` calls
this.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from appliance.reports import derived, participation, protect
from appliance.reports.report import (
    NO_ANSWER,
    UNKNOWN,
    Bar,
    Counts,
    FilterRefused,
    Group,
    Hist,
    Measure,
    QuestionReport,
    Report,
    Suppressed,
    View,
    hide_small,
    measures_of,
    month_of_week,
)
from appliance.surveys.definition import Definition


def _labelled(dim: str) -> bool:
    """Rows that are groups of people offered whether or not anybody answered."""
    return dim == "mode" or dim.startswith("seg:")


def _bars(measure: Measure, hist: Hist, hidden: set, k: int) -> tuple[Bar, ...]:
    """The published bars of a group; 'no answer' once (it is a cell of every line), and left
    out when nobody in the group is without an answer."""
    out = []
    for i, line in enumerate(measure.lines(hist)):
        total = sum(line.values())
        for answer, n in line.items():
            if answer.startswith("not:"):
                continue
            if answer == NO_ANSWER and (i or (n == 0 and answer not in hidden)):
                continue
            shown = answer not in hidden and total > 0
            out.append(Bar(answer, hide_small(n, not shown, k), n / total if shown else None))
    return tuple(out)


def _nearest(measure: Measure):
    """For a scale: hide next the answer nearest to those hidden already (within the same
    NPS band first), so the statistics of the published bars stay as narrow as they can."""
    if measure.kind != "scale":
        return None

    def band(value: int) -> int:
        return (value >= 7) + (value >= 9) if measure.is_nps else 0

    def prefer(answer: str, hidden: set) -> tuple:
        places = [int(a) for a in hidden if a.lstrip("-").isdigit()]
        if not answer.lstrip("-").isdigit() or not places:
            return (1, 0)
        value = int(answer)
        return (
            all(band(value) != band(p) for p in places),
            min(abs(value - p) for p in places),
        )

    return prefer


def _hidden_answers(measure: Measure, hist: Hist, k: int) -> set:
    hidden: set = set()
    for line in measure.lines(hist):
        hidden |= protect.protect_line(line, k, prefer=_nearest(measure))
    return hidden


def _summary(measure: Measure, bars: tuple[Bar, ...], n) -> derived.Summary | None:
    """Statistics of a group from what is published of it: its size and its bars."""
    if measure.kind != "scale" or isinstance(n, Suppressed):
        return None
    shown = {b.answer: b.n for b in bars if not isinstance(b.n, Suppressed)}
    hidden = [b.answer for b in bars if isinstance(b.n, Suppressed)]
    return derived.summary(shown, hidden, n, measure.scale, measure.is_nps)


def _few_without(measure: Measure, hist: Hist, k: int) -> bool:
    """Whether an open text's count of answers would give away the 1..k-1 respondents of its
    group who wrote nothing (the group's respondents are published beside it)."""
    return measure.kind == "text" and 0 < hist.get(NO_ANSWER, 0) < k


class Assembler:
    """The figures of one view, each line protected once and reused by every group in it."""

    def __init__(self, counts: Counts, k: int, k_text: int, view: View):
        self.counts, self.view = counts, view
        self.k, self.k_text = k, k_text
        self._lines: dict = {}

    def threshold(self, measure: Measure) -> int:
        return self.k_text if measure.kind == "text" else self.k

    def line(self, measure: Measure, dim: str) -> tuple[dict[str, Hist], set]:
        """Counters of every group of ``dim`` (the unknown one included for a segment) and the
        groups hidden in that line."""
        key = (measure.id, dim)
        if key not in self._lines:
            groups = self.counts.groups(measure.id, dim)
            sizes = {v: measure.size(h) for v, h in groups.items()}
            strict = [v for v in groups if v != UNKNOWN] if _labelled(dim) else []
            virtual = [UNKNOWN] if dim.startswith("seg:") else []
            hidden = protect.protect_line(sizes, self.threshold(measure), strict, virtual)
            self._lines[key] = (groups, hidden)
        return self._lines[key]

    def answer_cells(
        self, measure: Measure, groups: dict[str, Hist], hidden_groups: set, answers_hidden: set
    ) -> dict[str, set]:
        """Hidden answers of each group in the table (groups x answer lines) whose margins are
        the groups' sizes and the answers of the line above them, protected as a whole."""
        if not measure.lines({}):
            return {}
        table = {
            (g, (i, answer)): n
            for g, h in groups.items()
            for i, line in enumerate(measure.lines(h))
            for answer, n in line.items()
        }
        cols = [(i, a) for i, line in enumerate(measure.lines({})) for a in line]
        hidden_cols = {c for c in cols if c[1] in answers_hidden}
        hidden = protect.protect_table(
            table,
            list(groups),
            cols,
            hidden_groups,
            hidden_cols,
            self.threshold(measure),
            virtual_rows=[UNKNOWN] if UNKNOWN in groups else [],
        )
        out: dict[str, set] = {g: set() for g in groups}
        for g, (_, answer) in hidden:
            out[g].add(answer)
        return out

    def group(self, measure: Measure, label: str, hist: Hist, hidden: bool, answers: set):
        """A group with its bars and the statistics they allow (none when it is hidden)."""
        k = self.threshold(measure)
        size = measure.size(hist)
        hidden = hidden or _few_without(measure, hist, self.k)
        n = hide_small(size, hidden, k)
        if isinstance(n, Suppressed) or not size:
            return Group(label, n)
        bars = _bars(measure, hist, answers, k)
        return Group(label, n, _summary(measure, bars, n), bars)

    def breakdown(self, measure: Measure, answers_hidden: set) -> tuple[Group, ...]:
        dim = self.view.breakdown
        if not dim:
            return ()
        if self.view.filter:
            return self.filtered_table(measure, dim)
        groups, hidden = self.line(measure, dim)
        cells = self.answer_cells(measure, groups, hidden, answers_hidden)
        return tuple(
            self.group(measure, g, groups[g], g in hidden, cells.get(g, set()))
            for g in self.counts.members(measure.id, dim)
        )

    def trend(self, measure: Measure, answers_hidden: set) -> tuple[Group, ...]:
        if self.view.filter:
            return self.filtered_table(measure, "month")
        months, hidden_months = self.line(measure, "month")
        month_cells = self.answer_cells(measure, months, hidden_months, answers_hidden)
        if self.view.period == "month":
            return tuple(
                self.group(measure, m, h, m in hidden_months, month_cells.get(m, set()))
                for m, h in sorted(months.items())
            )
        weeks = self.counts.groups(measure.id, "week")
        parent = {w: month_of_week(w) for w in weeks}
        hidden = protect.nested(
            {m: measure.size(h) for m, h in months.items()},
            {w: measure.size(h) for w, h in weeks.items()},
            parent,
            hidden_months,
            self.threshold(measure),
        )
        out = []
        for m in sorted(months):
            inside = {w: h for w, h in sorted(weeks.items()) if parent[w] == m}
            cells = {}
            if m not in hidden_months:
                cells = self.answer_cells(
                    measure, inside, hidden & set(inside), month_cells.get(m, set())
                )
            out += [
                self.group(measure, w, h, w in hidden, cells.get(w, set()))
                for w, h in inside.items()
            ]
        return tuple(out)

    def filtered_table(self, measure: Measure, dim: str) -> tuple[Group, ...]:
        """Row ``value`` of the table (filter attribute x ``dim``), protected as a whole: sizes
        only, as the answers within a cell would make a three-way table."""
        attribute, value = self.view.filter
        k = self.threshold(measure)
        rows, hidden_rows = self.line(measure, f"seg:{attribute}")
        cols, hidden_cols = self.line(measure, dim)
        cross = self.counts.cross[measure.id][dim]
        table = {rc: measure.size(h) for rc, h in cross.items()}
        hidden = protect.protect_table(
            table,
            list(rows),
            list(cols),
            hidden_rows,
            hidden_cols,
            k,
            strict=_labelled(dim),
            virtual_rows=[UNKNOWN],
            virtual_cols=[UNKNOWN] if dim.startswith("seg:") else [],
        )
        out = []
        for col in self.counts.members(measure.id, dim):
            size = measure.size(cross.get((value, col), {}))
            out.append(Group(col, hide_small(size, (value, col) in hidden, k)))
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
            hide_small(measure.size(hist), _few_without(measure, hist, self.k), k),
            scale=measure.scale,
            choices={c.value: dict(c.label) for c in question.choices},
        )
        if isinstance(report.n, Suppressed):
            return report
        answers_hidden = _hidden_answers(measure, hist, k)
        if self.view.filter:
            attribute, value = self.view.filter
            rows, hidden_rows = self.line(measure, f"seg:{attribute}")
            if value in hidden_rows or value not in rows or value == UNKNOWN:
                report.n, report.hidden_in_filter = Suppressed(k), True
                return report
            cells = self.answer_cells(measure, rows, hidden_rows, answers_hidden)
            chosen = self.group(measure, value, rows[value], False, cells.get(value, set()))
            report.n, report.summary, report.bars = chosen.n, chosen.summary, chosen.bars
        else:
            report.bars = _bars(measure, hist, answers_hidden, k)
            report.summary = _summary(measure, report.bars, report.n)
        if measure.kind != "text":
            report.groups = self.breakdown(measure, answers_hidden)
            report.trend = self.trend(measure, answers_hidden)
        return report


def assemble(
    survey_id: int,
    title: str,
    definition: Definition,
    counts: Counts,
    k: int,
    k_text: int,
    view: View,
    reportable: list[str],
    campaigns: Sequence[Mapping] = (),
    dispositions: Mapping[str, Mapping[str, int]] | None = None,
    fixed_e: float | None = None,
) -> Report:
    """The report of one view; ``campaigns`` are rows of (id, recipients, responses,
    started_at) of the survey's campaigns that sent invitations; ``dispositions`` the cases per
    sampled mode and outcome code for the response rates (``reports.dispositions``), with
    ``fixed_e`` the eligibility estimate staff chose (None: proportional)."""
    respondents = Measure("", "respondents")
    counts.fill_no_answer([measure for measure, _, _ in measures_of(definition)])
    asm = Assembler(counts, k, k_text, view)
    total = respondents.size(counts.one[""][("", "")])
    excluded = counts.one["#excluded"][("", "")].get("", 0)
    filters = {}
    for attribute in reportable:
        dim = f"seg:{attribute}"
        _, hidden = asm.line(respondents, dim)
        filters[attribute] = [(v, v not in hidden) for v in counts.members("", dim)]
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
    report.campaigns = participation.waves(
        asm, campaigns, isinstance(report.respondents, Suppressed)
    )
    report.rates = participation.rates(asm, dispositions or {}, fixed_e, report.respondents)
    if isinstance(report.respondents, Suppressed):
        return report
    if view.filter:
        rows, _ = asm.line(respondents, f"seg:{view.filter[0]}")
        report.respondents = respondents.size(rows[view.filter[1]])
    report.groups = asm.breakdown(respondents, set())
    report.trend = asm.trend(respondents, set())
    for measure, question, item in measures_of(definition):
        report.questions.append(asm.question(measure, question, item))
    return report
