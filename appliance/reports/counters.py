"""Which counters one response adds to: the write side of the aggregate plane.

Contract of :func:`keys_for`: from one response (mode, day, segment values, answers) and the
questionnaire, the multiset of counter keys ``(question, dim1, val1, dim2, val2, answer)`` it
adds one to. A key never holds an open text (an answer to a text question counts as ``'*'``), a
name, or the value of a segment attribute that is not reportable. Measures:

- ``''``: the respondent; answer ``''``.
- a question id: the value given (``'na'`` included); a multiple-choice question adds each value
  chosen plus ``''`` (answered at all); a text question ``'*'``.
- ``q.item`` for each answered matrix item.

Dimensions: everyone (``''``), ``mode``, ISO ``week`` (months are whole ISO weeks, so the two
nest), and ``seg:<attribute>`` for each reportable attribute (``''`` when the response has no
value). Cross keys pair each reportable attribute with mode, week and every other reportable
attribute (in name order), which is what filtered views and their protection need.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from appliance.surveys.definition import TEXT_TYPES, Definition

Key = tuple[str, str, str, str, str, str]
# Question types that are not counted: names are personal data, the opt-in is a link request,
# the consent to publish a permission about this one response, not an opinion.
UNCOUNTED = ("name", "contact_optin", "publish_consent")
MAX_REPORT_SEGMENTS = 4


def week_of(day: str | date) -> str:
    """ISO week label, e.g. ``2026-W07``."""
    when = date.fromisoformat(day) if isinstance(day, str) else day
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def measures(definition: Definition, answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(measure, answer) pairs of one response, the respondent included."""
    out = [("", "")]
    for qid, value in answers.items():
        question = definition.questions.get(qid)
        if question is None or question.type in UNCOUNTED or value in (None, "", [], {}):
            continue
        if question.type in TEXT_TYPES:
            out.append((qid, "*"))
        elif question.type == "matrix" and isinstance(value, dict):
            out.extend((f"{qid}.{item}", str(cell)) for item, cell in value.items())
        elif isinstance(value, list):
            out.append((qid, ""))
            out.extend((qid, str(v)) for v in value)
        else:
            out.append((qid, str(value)))
    return out


def dimensions(
    mode: str, day: str, segments: Mapping[str, str], reportable: Iterable[str]
) -> list[tuple[str, str, str, str]]:
    """(dim1, val1, dim2, val2) of one response."""
    week = week_of(day)
    segs = [(f"seg:{a}", str(segments.get(a, ""))) for a in sorted(reportable)]
    out = [("", "", "", ""), ("mode", mode, "", ""), ("week", week, "", "")]
    out.extend((d, v, "", "") for d, v in segs)
    for i, (d, v) in enumerate(segs):
        out.append((d, v, "mode", mode))
        out.append((d, v, "week", week))
        out.extend((d, v, d2, v2) for d2, v2 in segs[i + 1 :])
    return out


def keys_for(
    definition: Definition,
    *,
    mode: str,
    day: str,
    segments: Mapping[str, str],
    answers: Mapping[str, Any],
    reportable: Iterable[str],
) -> Counter[Key]:
    dims = dimensions(mode, day, segments, reportable)
    return Counter(
        (measure, d1, v1, d2, v2, answer)
        for measure, answer in measures(definition, answers)
        for d1, v1, d2, v2 in dims
    )
