"""The pieces a form is made of, built at page 0 with y relative to each row's top; the flow in
:mod:`appliance.paper.layout` puts rows on pages. A question is one :class:`Block`: its rows are
kept together on one page unless the question alone is taller than a page.

Spacing (mm) is chosen for pens: tick boxes are 5 x 5 and at least 5 apart sideways and 3.5
apart up and down, so a mark that strays past its box does not reach the next one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from appliance.paper.metrics import Measure
from appliance.paper.model import LEFT, RIGHT, Box, Item, Rule, Sample, Text, WriteArea, line_height
from appliance.paper.texts import FormTexts
from appliance.surveys.definition import Question

BOX = 5.0
ANSWER_X = LEFT + 8.0  # answers and question texts start right of the question number
SCALE_PITCH = 11.0  # one box per value, 6 mm apart
MATRIX_PITCH = 10.5
ROW_GAP = 3.5  # between the rows of a choice list or a matrix
WRITE_LINE = 8.0  # between the writing lines of an open answer
SIZE_QUESTION, SIZE_ANSWER, SIZE_HINT, SIZE_SMALL = 10.0, 10.0, 8.5, 8.0
WRITE_LINES = {"text_short": 2, "text_long": 5, "name": 1}


@dataclass
class Row:
    """Items that move together; ``height`` includes the gap below them."""

    height: float
    items: list[Item] = field(default_factory=list)


@dataclass
class Block:
    """Rows in reading order. ``keep``: rows stay on one page when they fit on one;
    ``continued``: rows repeated at the top of a page when an oversized block breaks there."""

    rows: list[Row]
    keep: bool = True
    question: str | None = None
    space_after: float = 6.0
    continued: list[Row] = field(default_factory=list)

    @property
    def height(self) -> float:
        return sum(r.height for r in self.rows)


def wrap(text: str, width: float, size: float, bold: bool, measure: Measure) -> list[str]:
    """``text`` in lines no wider than ``width`` mm: greedy by words, explicit line breaks kept,
    a word wider than a line broken between characters."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            while measure(word, size, bold) > width:  # a word longer than the line
                cut = len(word) - 1
                while cut > 1 and measure(word[:cut], size, bold) > width:
                    cut -= 1
                if line:
                    lines.append(line)
                    line = ""
                lines.append(word[:cut])
                word = word[cut:]
            candidate = f"{line} {word}" if line else word
            if line and measure(candidate, size, bold) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return [line for line in lines if line] or [""]


def text_lines(
    text: str, x: float, y: float, width: float, size: float, bold: bool, measure: Measure
) -> list[Text]:
    """``text`` wrapped into ``width`` and stacked from ``y`` down."""
    h = line_height(size)
    return [
        Text(0, x, y + i * h, measure(line, size, bold), h, size, bold, line)
        for i, line in enumerate(wrap(text, width, size, bold, measure))
    ]


def line_rows(lines: list[Text]) -> list[Row]:
    """Stacked lines (from :func:`text_lines`) as one row each, so running text may break
    between any two of its lines."""
    return [Row(t.h, [replace(t, y=0.0)]) for t in lines]


def one_line(
    text: str, x: float, y: float, size: float, measure: Measure, bold=False, align="left"
) -> Text:
    """A single line starting at ``x`` (``align="center"``: centred on ``x``; ``"right"``:
    ending at ``x``)."""
    w = measure(text, size, bold)
    start = {"left": x, "center": x - w / 2, "right": x - w}[align]
    return Text(0, start, y, w, line_height(size), size, bold, text)


def paragraph(
    text: str, measure: Measure, size: float = SIZE_ANSWER, bold=False, x=LEFT, after=4.0
) -> Block:
    """Running text that may flow over a page break, line by line."""
    lines = text_lines(text, x, 0.0, RIGHT - x, size, bold, measure)
    return Block(line_rows(lines), keep=False, space_after=after)


def question_block(
    q: Question,
    number: int,
    routing: list[str],
    texts: FormTexts,
    measure: Measure,
    *,
    hints: list[str],
) -> Block:
    """The whole printed question: routing instructions, number and text, hints, answers."""
    head: list[Row] = []
    for instruction in routing:
        lines = text_lines(
            f"\u2192 {instruction}", LEFT, 0.0, RIGHT - LEFT, SIZE_HINT, True, measure
        )
        head += line_rows(lines)
    if routing:
        head[-1].height += 1.5
    title = text_lines(
        q.text[texts.language], ANSWER_X, 0.0, RIGHT - ANSWER_X, SIZE_QUESTION, True, measure
    )
    first = Row(title[0].h, [one_line(f"{number}.", LEFT, 0.0, SIZE_QUESTION, measure, True)])
    first.items.append(title[0])
    head += [first, *line_rows(title[1:])]
    for hint in hints:
        lines = text_lines(hint, ANSWER_X, 0.0, RIGHT - ANSWER_X, SIZE_HINT, False, measure)
        head += line_rows(lines)
    head[-1].height += 2.5
    continued = Row(
        line_height(SIZE_QUESTION) + 2.0,
        [one_line(f"{number}. {texts.continued}", LEFT, 0.0, SIZE_QUESTION, measure, True)],
    )
    answers = answer_rows(q, texts, measure)
    # A matrix broken over two pages repeats its column headings (the scale's values).
    repeat = [continued, answers[0]] if q.type == "matrix" else [continued]
    return Block([*head, *answers], question=q.id, continued=repeat)


def answer_rows(q: Question, texts: FormTexts, measure: Measure) -> list[Row]:
    if q.type in WRITE_LINES:
        return [_write_row(q, WRITE_LINES[q.type])]
    if q.type == "matrix":
        return _matrix_rows(q, texts, measure)
    if q.scale:
        rows = _scale_rows(q, texts, measure)
    elif q.type in ("yesno", "contact_optin", "publish_consent"):
        rows = [_side_by_side(q, [("yes", texts.yes), ("no", texts.no)], measure)]
    else:
        rows = [_choice_row(q.id, c.value, c.label[texts.language], measure) for c in q.choices]
    if q.na:
        rows.append(_choice_row(q.id, "na", texts.na, measure))
    rows[-1].height -= ROW_GAP  # the block's own space follows
    return rows


def _choice_row(qid: str, value: str, label: str, measure: Measure) -> Row:
    x = ANSWER_X + BOX + 3.0
    h = line_height(SIZE_ANSWER)
    lines = text_lines(label, x, (BOX - h) / 2, RIGHT - x, SIZE_ANSWER, False, measure)
    height = max(BOX, lines[-1].y + h)
    return Row(height + ROW_GAP, [Box(0, ANSWER_X, 0.0, BOX, BOX, qid, value), *lines])


def _side_by_side(q: Question, options: list[tuple[str, str]], measure: Measure) -> Row:
    """A few short options on one line (yes / no)."""
    row = Row(BOX + ROW_GAP)
    h = line_height(SIZE_ANSWER)
    x = ANSWER_X
    for value, label in options:
        row.items.append(Box(0, x, 0.0, BOX, BOX, q.id, value))
        text = one_line(label, x + BOX + 3.0, (BOX - h) / 2, SIZE_ANSWER, measure)
        row.items.append(text)
        x = max(x + 30.0, text.x + text.w + 12.0)
    return row


def _scale_rows(q: Question, texts: FormTexts, measure: Measure) -> list[Row]:
    """The values printed above a row of boxes; the NPS ends below."""
    low, high = q.scale or (0, 0)
    number_h = line_height(SIZE_HINT)
    row = Row(number_h + 1.0 + BOX + ROW_GAP)
    for i, value in enumerate(range(low, high + 1)):
        x = ANSWER_X + i * SCALE_PITCH
        row.items.append(one_line(str(value), x + BOX / 2, 0.0, SIZE_HINT, measure, True, "center"))
        row.items.append(Box(0, x, number_h + 1.0, BOX, BOX, q.id, str(value)))
    rows = [row]
    if q.type == "nps":
        row.height -= ROW_GAP - 1.0
        last = ANSWER_X + (high - low) * SCALE_PITCH + BOX
        ends = Row(line_height(SIZE_SMALL) + ROW_GAP)
        ends.items.append(one_line(texts.nps_low, ANSWER_X, 0.0, SIZE_SMALL, measure))
        ends.items.append(one_line(texts.nps_high, last, 0.0, SIZE_SMALL, measure, align="right"))
        rows.append(ends)
    return rows


def _matrix_rows(q: Question, texts: FormTexts, measure: Measure) -> list[Row]:
    """Items as rows, the scale's values (and n/a) as columns, thin guides between the rows."""
    low, high = q.scale or (1, 5)
    columns = [str(v) for v in range(low, high + 1)] + (["na"] if q.na else [])
    grid_x = RIGHT - len(columns) * MATRIX_PITCH
    centres = [grid_x + (i + 0.5) * MATRIX_PITCH for i in range(len(columns))]
    header = Row(line_height(SIZE_HINT) + 1.5)
    for value, cx in zip(columns, centres, strict=True):
        label = texts.na_short if value == "na" else value
        header.items.append(one_line(label, cx, 0.0, SIZE_HINT, measure, True, "center"))
    rows = [header]
    h = line_height(SIZE_ANSWER)
    for n, item in enumerate(q.items):
        label_w = grid_x - 3.0 - ANSWER_X
        lines = text_lines(
            item.label[texts.language],
            ANSWER_X,
            (BOX - h) / 2,
            label_w,
            SIZE_ANSWER,
            False,
            measure,
        )
        height = max(BOX, lines[-1].y + h)
        row = Row(height + ROW_GAP, list(lines))
        row.items += [
            Box(0, cx - BOX / 2, 0.0, BOX, BOX, q.id, value, item.value)
            for value, cx in zip(columns, centres, strict=True)
        ]
        if n < len(q.items) - 1:  # a guide halfway to the next row, for the eye
            y = height + ROW_GAP / 2
            row.items.append(Rule(0, ANSWER_X, y, RIGHT, y, 0.1, grey=True))
        rows.append(row)
    rows[-1].height -= ROW_GAP
    return rows


def _write_row(q: Question, lines: int) -> Row:
    """Lines to write on, the area they span given to the scan reader as the answer's place."""
    height = lines * WRITE_LINE
    row = Row(height, [WriteArea(0, ANSWER_X, 0.0, RIGHT - ANSWER_X, height, q.id)])
    for i in range(1, lines + 1):
        y = i * WRITE_LINE
        row.items.append(Rule(0, ANSWER_X, y, RIGHT, y, 0.15, grey=True))
    return row


def instructions(texts: FormTexts, measure: Measure) -> Block:
    """How to mark, with a marked, a ticked and a corrected example box."""
    rows = [Row(line_height(SIZE_ANSWER), [one_line(texts.how_title, LEFT, 0, 10, measure, True)])]
    lines = text_lines(texts.how_text, LEFT, 0.0, RIGHT - LEFT, SIZE_HINT, False, measure)
    rows += line_rows(lines)
    rows[-1].height += 2.0
    samples = Row(BOX)
    x = LEFT
    h = line_height(SIZE_HINT)
    for mark, label in (
        ("cross", texts.sample_cross),
        ("tick", texts.sample_tick),
        ("fill", texts.sample_fill),
    ):
        samples.items.append(Sample(0, x, 0.0, BOX, mark))
        text = one_line(label, x + BOX + 2.5, (BOX - h) / 2, SIZE_HINT, measure)
        samples.items.append(text)
        x = text.x + text.w + 10.0
    rows.append(samples)
    return Block(rows, space_after=7.0)


def facts(texts: FormTexts, measure: Measure) -> Block:
    """The transparency facts in short, kept together (a lone line on a new page says little)."""
    title = one_line(texts.facts_title, LEFT, 0.0, SIZE_HINT, measure, bold=True)
    rows = [Row(title.h + 0.5, [title])]
    for fact in texts.facts:
        rows += line_rows(text_lines(fact, LEFT, 0.0, RIGHT - LEFT, SIZE_SMALL, False, measure))
        rows[-1].height += 1.0
    return Block(rows, space_after=0.0)
