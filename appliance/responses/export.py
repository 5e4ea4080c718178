"""Individual responses as a table for staff exports (CSV, XLSX), formula-safe.

Names typed into a name field are left out: an export leaves the appliance's protection, and
names are the one thing in a response that identifies someone (data minimisation).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from appliance.csvsafe import xlsx_cell
from appliance.surveys.definition import Definition, Question

FIXED = ("response", "submitted_on", "mode", "language", "excluded_reason", "flags")


def columns(definition: Definition, segment_names: list[str]) -> list[tuple[str, str, str]]:
    """(header, question id, item) per answer column; matrix rows get a column each."""
    out = []
    for question in definition.questions.values():
        if question.type == "name":
            continue
        if question.type == "matrix":
            out.extend(
                (f"{question.id}.{item.value}", question.id, item.value) for item in question.items
            )
        else:
            out.append((question.id, question.id, ""))
    return [(f"segment:{name}", "", name) for name in segment_names] + out


def rows(definition: Definition, responses: Iterable[Any]) -> Iterator[list[Any]]:
    responses = list(responses)
    segment_names = sorted({k for r in responses for k in json.loads(r["segments"])})
    cols = columns(definition, segment_names)
    yield [*FIXED, *(header for header, _, _ in cols)]
    for r in responses:
        answers, segments = json.loads(r["answers"]), json.loads(r["segments"])
        row: list[Any] = [
            r["id"],
            r["submitted_on"],
            r["mode"],
            r["language"],
            r["excluded_reason"] or "",
            ",".join(json.loads(r["flags"])),
        ]
        for _header, qid, item in cols:
            if not qid:
                row.append(segments.get(item, ""))
                continue
            value = answers.get(qid, "")
            if item:
                value = value.get(item, "") if isinstance(value, dict) else ""
            elif isinstance(value, list):
                value = ";".join(value)
            row.append(_score(definition.questions[qid], value))
        yield row


def _score(question: Question, value: Any) -> Any:
    """A point on a question's scale as a number (answers store it as text); "na" and any
    other answer stay as they are."""
    if question.scale and isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return value


def xlsx(table: Iterable[list[Any]]) -> bytes:
    """A workbook where a score is a number and every text cell is stored as text: a value
    starting with = is never a formula, and it shows exactly as typed."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Responses")
    for row in table:
        sheet.append([xlsx_cell(sheet, value) for value in row])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
