"""The national benchmark: an anonymous aggregate file out, reference averages in.

Contract of :func:`export`: built from a gated, unfiltered report, it holds per question only
its id, type, scale and the figures the gate shows (hidden counts left out, not marked; a
statistic known only within a range as the middle of that range, one the report leaves out not
at all), and no organisation name, survey title, question wording, date or segment.
:func:`parse` accepts that same format (as the agency's national averages) or a CSV
``question,mean,nps,top2`` and raises :class:`BenchmarkError` naming the first problem.
"""

from __future__ import annotations

import csv
import io
import json
import math

from appliance.i18n import N_
from appliance.reports.report import NO_ANSWER, Report, Suppressed

FORMAT = "appliance-benchmark/1"
MAX_BYTES = 1_000_000


class BenchmarkError(ValueError):
    def __init__(self, reason: str, where: str = ""):
        super().__init__(f"{where}: {reason}" if where else reason)
        self.reason, self.where = reason, where


def export(report: Report) -> dict:
    questions = []
    for q in report.questions:
        if q.kind == "text" or isinstance(q.n, Suppressed):
            continue
        item = {"id": q.id, "type": q.type, "n": q.n}
        if q.scale:
            item["scale"] = list(q.scale)
        s = q.summary
        if s is not None:
            for name, digits in (("mean", 3), ("sd", 3), ("top2", 4), ("nps", 1)):
                figure = getattr(s, name)
                if figure is not None:
                    item[name] = round(figure.mid, digits)
        item["distribution"] = {
            b.answer: b.n
            for b in q.bars
            if not isinstance(b.n, Suppressed) and b.answer != NO_ANSWER
        }
        questions.append(item)
    return {"format": FORMAT, "min_group_size": report.k, "questions": questions}


def _number(value, where: str, low: float, high: float) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise BenchmarkError(N_("not a number"), where) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise BenchmarkError(N_("out of range"), where)
    return number


def parse(data: bytes, question_ids: set[str]) -> list[dict]:
    """Reference figures per known question id; unknown ids are skipped."""
    if len(data) > MAX_BYTES:
        raise BenchmarkError(N_("the file is larger than 1 MB"))
    text = data.decode("utf-8-sig", errors="replace").strip()
    if text.startswith("{"):
        try:
            body = json.loads(text)
        except json.JSONDecodeError:
            raise BenchmarkError(N_("the file is not valid JSON")) from None
        if body.get("format") != FORMAT or not isinstance(body.get("questions"), list):
            raise BenchmarkError(N_("this is not a benchmark file of this appliance"))
        raw = [q for q in body["questions"] if isinstance(q, dict)]
    else:
        reader = csv.DictReader(io.StringIO(text), delimiter=";" if ";" in text[:200] else ",")
        if not reader.fieldnames or "question" not in reader.fieldnames:
            raise BenchmarkError(N_("a CSV file needs the columns question, mean, nps, top2"))
        raw = [{**row, "id": row.get("question")} for row in reader]
    out = []
    for i, item in enumerate(raw):
        qid = str(item.get("id") or "")
        if qid not in question_ids:
            continue
        where = f"{qid} (#{i + 1})"
        figures = {
            "question": qid,
            "mean": _number(item.get("mean"), where, -100, 100),
            "nps": _number(item.get("nps"), where, -100, 100),
            "top2": _number(item.get("top2"), where, 0, 1),
        }
        if any(figures[k] is not None for k in ("mean", "nps", "top2")):
            out.append(figures)
    if not out:
        raise BenchmarkError(N_("no figures for the questions of this survey were found"))
    return out
