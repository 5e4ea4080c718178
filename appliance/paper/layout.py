"""Where everything of a paper questionnaire is printed: :func:`layout` turns a definition into a
:class:`FormLayout` (mm, origin top-left, A4 portrait; see :mod:`appliance.paper.model`).

Pure geometry: no PDF is made here. Text is measured with the ``measure`` it is given (by
default fpdf2's measure of the embedded font, :func:`appliance.paper.metrics.text_width`) and
wrapped here, line by line, so the PDF draws exactly these lines and the scan reader, calling
this with the same definition, finds every box where it was printed.

What is printed follows the online questionnaire: the same question texts, options and hints,
the publication notice on the first page when it is on. Conditions cannot hide a question on
paper, so a conditional question (or page of questions) gets an instruction in the form's
language just before it: "Only answer this question if you answered 'Yes' at question 3." That
sentence is correct for every condition, however questions and pages are nested.
"""

from __future__ import annotations

from appliance.paper import blocks
from appliance.paper.blocks import Block, Row
from appliance.paper.metrics import Measure, text_width
from appliance.paper.model import (
    BOTTOM,
    HEADER_RULE_Y,
    LEFT,
    MARKER,
    MARKER_INSET,
    PAGE_H,
    PAGE_W,
    QR_SIZE,
    QR_X,
    QR_Y,
    RIGHT,
    TOP,
    Box,
    FormLayout,
    Item,
    Region,
    Rule,
    Sample,
    Text,
    WriteArea,
    line_height,
    moved,
)
from appliance.paper.texts import FormTexts, form_texts
from appliance.surveys.definition import Condition, Definition, Page, Question

__all__ = ["Box", "FormLayout", "WriteArea", "layout", "markers", "numbering"]

TITLE_SIZE = 13.0
FOOTER_Y = 277.0


def markers() -> tuple[tuple[float, float, float], ...]:
    """The four corner markers (x, y, size): the same on every page of every form."""
    far_x, far_y = PAGE_W - MARKER_INSET - MARKER, PAGE_H - MARKER_INSET - MARKER
    return tuple((x, y, MARKER) for y in (MARKER_INSET, far_y) for x in (MARKER_INSET, far_x))


def printed(definition: Definition, *, invited: bool) -> list[tuple[Page, list[Question]]]:
    """The questions the paper form prints, by page. Left out, as online: the contact opt-in
    unless the form goes to an invited person, and questions (or pages) whose condition can
    never be met on this form: its question is not printed, or is a matrix (whose answer never
    equals a single value, see :func:`appliance.surveys.answers.condition_met`)."""
    shown: set[str] = set()

    def possible(condition: Condition | None) -> bool:
        return condition is None or (
            condition.question in shown
            and definition.questions[condition.question].type != "matrix"
        )

    out = []
    for page in definition.pages:
        if not possible(page.show_if):
            continue
        questions = []
        for q in page.questions:  # in order: a condition may be on this page's answers
            if (q.type != "contact_optin" or invited) and possible(q.show_if):
                questions.append(q)
                shown.add(q.id)
        if questions:
            out.append((page, questions))
    return out


def numbering(definition: Definition, *, invited: bool = True) -> dict[str, int]:
    """The number printed before each question (1, 2, ...), in the order printed."""
    order = [q.id for _, questions in printed(definition, invited=invited) for q in questions]
    return {qid: n for n, qid in enumerate(order, start=1)}


def layout(
    definition: Definition,
    language: str,
    *,
    survey_id: int,
    version: int,
    invited: bool,
    texts: FormTexts | None = None,
    measure: Measure = text_width,
) -> FormLayout:
    """The form of ``definition`` in ``language``. ``texts`` default to the app's translations
    and settings (:func:`appliance.paper.texts.form_texts`, which needs an app context);
    ``invited``: printed for one invited person (the contact opt-in is asked)."""
    texts = texts or form_texts(definition, language)
    numbers = numbering(definition, invited=invited)
    flow = _Flow()
    for part in _opening(texts, measure):
        flow.put(part)
    for page, questions in printed(definition, invited=invited):
        for i, q in enumerate(questions):
            routing = []
            if i == 0 and page.show_if:
                routing.append(_group_routing(page.show_if, questions, numbers, definition, texts))
            if q.show_if:
                routing.append(
                    texts.only_if
                    % {
                        "answers": _answers(q.show_if, definition, texts),
                        "number": numbers[q.show_if.question],
                    }
                )
            flow.put(
                blocks.question_block(
                    q, numbers[q.id], routing, texts, measure, hints=_hints(q, texts)
                )
            )
    flow.put(blocks.paragraph(texts.closing, measure, bold=True, after=5.0))
    flow.put(blocks.facts(texts, measure))
    pages = flow.page
    items = flow.items + _furniture(texts, pages, measure)
    return FormLayout(
        survey_id=survey_id,
        version=version,
        language=language,
        pages=pages,
        boxes=tuple(i for i in items if isinstance(i, Box)),
        areas=tuple(i for i in items if isinstance(i, WriteArea)),
        numbers=numbers,
        markers=markers(),
        qr=(QR_X, QR_Y, QR_SIZE),
        code_slot=(QR_X + QR_SIZE, QR_Y + QR_SIZE + 0.5, blocks.SIZE_SMALL),
        texts=tuple(i for i in items if isinstance(i, Text)),
        rules=tuple(i for i in items if isinstance(i, Rule)),
        samples=tuple(i for i in items if isinstance(i, Sample)),
        regions=tuple(flow.regions),
    )


class _Flow:
    """Puts blocks on pages from the top down, starting a page when a block does not fit."""

    def __init__(self) -> None:
        self.page, self.y = 1, TOP
        self.items: list[Item] = []
        self.regions: list[Region] = []

    def _row(self, row: Row) -> None:
        self.items += [moved(item, self.page, self.y) for item in row.items]
        self.y += row.height

    def _break(self) -> None:
        self.page, self.y = self.page + 1, TOP

    def put(self, block: Block) -> None:
        height = block.height
        if block.keep and self.y + height > BOTTOM and height <= BOTTOM - TOP:
            self._break()  # the whole question on the next page
        start = (self.page, self.y)
        for n, row in enumerate(block.rows):
            if self.y + row.height > BOTTOM + 0.01 and self.y > TOP:
                # Only running text, or a question taller than a page, breaks here.
                self._region(block, start)
                self._break()
                if n:
                    for repeated in block.continued:
                        self._row(repeated)
                start = (self.page, self.y)
            self._row(row)
        self._region(block, start)
        self.y += block.space_after

    def _region(self, block: Block, start: tuple[int, float]) -> None:
        page, y = start
        if block.question and page == self.page:
            self.regions.append(Region(page, y, self.y - y, block.question))


def _opening(texts: FormTexts, measure: Measure) -> list[Block]:
    """The first page's texts before the questions: the introduction, the notices the online
    survey shows on its first page, and how to mark a box."""
    parts = []
    if texts.intro:
        parts.append(blocks.paragraph(texts.intro, measure, after=3.0))
    for notice in texts.notices:
        parts.append(blocks.paragraph(notice, measure, size=blocks.SIZE_HINT, bold=True, after=3.0))
    parts.append(blocks.instructions(texts, measure))
    return parts


def _hints(q: Question, texts: FormTexts) -> list[str]:
    return {
        "multiple": [texts.multiple_hint],
        "name": [texts.name_hint],
        "contact_optin": [texts.optin_hint],
        "publish_consent": [texts.consent_hint],
    }.get(q.type, [])


def _answers(condition: Condition, definition: Definition, texts: FormTexts) -> str:
    """The answers a condition waits for, as printed: numbers of a scale (a run of three or
    more as "0–6"), option labels in quotes."""
    source = definition.questions[condition.question]
    quote = "\u2018{}\u2019".format
    parts: list[str] = []
    if source.scale:
        numbers = sorted(int(v) for v in condition.values if v != "na")
        while numbers:
            end = 0
            while end + 1 < len(numbers) and numbers[end + 1] == numbers[end] + 1:
                end += 1
            if end >= 2:
                parts.append(f"{numbers[0]}\u2013{numbers[end]}")
            else:
                parts += [str(n) for n in numbers[: end + 1]]
            numbers = numbers[end + 1 :]
    else:
        labels = {c.value: c.label[texts.language] for c in source.choices}
        labels.update(yes=texts.yes, no=texts.no)
        parts = [quote(labels[v]) for v in condition.values if v != "na"]
    if "na" in condition.values:
        parts.append(quote(texts.na))
    if len(parts) == 1:
        return parts[0]
    return texts.or_join % {"some": ", ".join(parts[:-1]), "last": parts[-1]}


def _group_routing(
    condition: Condition,
    questions: list[Question],
    numbers: dict[str, int],
    definition: Definition,
    texts: FormTexts,
) -> str:
    values = {
        "answers": _answers(condition, definition, texts),
        "number": numbers[condition.question],
    }
    if len(questions) == 1:
        return texts.only_if % values
    first, last = numbers[questions[0].id], numbers[questions[-1].id]
    return texts.group_only_if % {**values, "first": first, "last": last}


def _furniture(texts: FormTexts, pages: int, measure: Measure) -> list[Item]:
    """What every page carries besides markers and QR code: the title (at most two lines),
    the organisation, a rule under the header, and "page n of m" at the foot."""
    width = QR_X - 4.0 - LEFT
    title = blocks.wrap(texts.title, width, TITLE_SIZE, True, measure)
    if len(title) > 2:
        title = [title[0], _shortened(" ".join(title[1:]), width, measure)]
    h = line_height(TITLE_SIZE)
    out: list[Item] = []
    for page in range(1, pages + 1):
        for i, line in enumerate(title):
            out.append(
                Text(
                    page,
                    LEFT,
                    10.0 + i * h,
                    measure(line, TITLE_SIZE, True),
                    h,
                    TITLE_SIZE,
                    True,
                    line,
                )
            )
        if texts.organisation:
            line = _shortened(texts.organisation, width, measure, size=blocks.SIZE_HINT)
            y = 10.0 + len(title) * h + 1.0
            out.append(moved(blocks.one_line(line, LEFT, 0.0, blocks.SIZE_HINT, measure), page, y))
        out.append(Rule(page, LEFT, HEADER_RULE_Y, RIGHT, HEADER_RULE_Y, 0.3))
        footer = texts.page_of % {"page": page, "pages": pages}
        text = blocks.one_line(footer, PAGE_W / 2, 0.0, 9.0, measure, align="center")
        out.append(moved(text, page, FOOTER_Y))
    return out


def _shortened(text: str, width: float, measure: Measure, size: float = TITLE_SIZE) -> str:
    bold = size == TITLE_SIZE
    if measure(text, size, bold) <= width:
        return text
    while text and measure(text + "\u2026", size, bold) > width:
        text = text[:-1]
    return text.rstrip() + "\u2026"
