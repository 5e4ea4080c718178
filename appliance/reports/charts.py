"""Charts as SVG, drawn on the server from a gated report: no script, no external asset.

Every label is escaped; colours are presentation attributes (allowed by the page's CSP, kept by
printers and by the PDF renderer). A hidden count is drawn as an empty outlined bar marked
"< k", never with its length. Statistics are the published ranges of ``derived``: a figure known
only within a range is drawn as that range, one left out is not drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from appliance.reports.derived import Range, Summary
from appliance.reports.labels import Labels
from appliance.reports.report import Bar, Group, Suppressed

BLUE, GREY, RED, AMBER, GREEN, INK = (
    "#2b6cb0",
    "#a0aec0",
    "#c53030",
    "#d69e2e",
    "#2f855a",
    "#1a202c",
)
WIDTH = 560
FONT_SIZE = 12
FONT = f'font-family="Helvetica, Arial, sans-serif" font-size="{FONT_SIZE}"'
# A generous width of one character at FONT_SIZE: DejaVu Sans (the PDF's font) draws digits
# 0.64 em wide, Helvetica 0.56 em. Labels are laid out with it, so none overlaps or is cut off.
CHAR = 7.8
GAP = 8


def text_width(text: str) -> float:
    return len(text) * CHAR


def _fit(text: str, width: float) -> str:
    """``text`` shortened with an ellipsis to at most ``width``."""
    if text_width(text) <= width:
        return text
    return text[: max(1, int(width / CHAR) - 1)] + "\u2026"


def _svg(height: int, body: list[str], title: str) -> Markup:
    return Markup(  # noqa: S704 - labels pass through escape() in _text and here
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}"'
        f' viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" {FONT} fill="{fill}" text-anchor="{anchor}">'
        f"{escape(text)}</text>"
    )


def bars(items: Sequence[Bar], labels: dict[str, str], title: str) -> Markup:
    """Horizontal bars: one per answer, length = share of the answers."""
    row = 22
    names = [labels.get(b.answer, b.answer) for b in items]
    values = [
        str(b.n)
        if isinstance(b.n, Suppressed) or b.share is None
        else f"{Labels.percent(b.share)} ({Labels.count(b.n)})"
        for b in items
    ]
    left = _column(names, 60, 200)
    right = _column(values, 40, 160)
    span = WIDTH - left - right
    body = []
    for i, b in enumerate(items):
        y = 4 + i * row
        body.append(_text(left - GAP, y + 13, _fit(names[i], left - GAP - 1), "end"))
        if isinstance(b.n, Suppressed) or b.share is None:
            body.append(
                f'<rect x="{left}" y="{y + 3}" width="{span * 0.04:.1f}" height="{row - 8}"'
                f' fill="none" stroke="{GREY}" stroke-dasharray="3 2"/>'
            )
            body.append(_text(left + span * 0.04 + 6, y + 13, values[i], fill="#4a5568"))
            continue
        width = max(1.0, span * b.share)
        body.append(
            f'<rect x="{left}" y="{y + 3}" width="{width:.1f}" height="{row - 8}" fill="{BLUE}"/>'
        )
        body.append(_text(left + width + 6, y + 13, values[i]))
    return _svg(8 + len(items) * row, body, title)


def _column(texts: Sequence[str], least: float, most: float) -> int:
    """The width of a column of labels: the widest label and a gap, within least..most."""
    widest = max((text_width(t) for t in texts), default=0.0) + GAP + 2
    return math.ceil(min(most, max(least, widest)))


def nps(summary: Summary, title: str) -> Markup | str:
    """One stacked bar: detractors, passives, promoters, with the score; nothing when a band
    is left out. A band known within a range is drawn at its middle and labelled with it."""
    bands = (summary.detractors, summary.passives, summary.promoters)
    if summary.nps is None or None in bands:
        return ""
    left, top, height = 10, 8, 26
    span = WIDTH - 2 * left
    body, x = [], float(left)
    total = sum(b.mid for b in bands) or 1.0
    for share, colour, name in zip(bands, (RED, AMBER, GREEN), _BANDS, strict=True):
        width = span * share.mid / total
        text = Labels.percent(share)
        body.append(
            f'<rect x="{x:.1f}" y="{top}" width="{width:.1f}" height="{height}" fill="{colour}">'
            f"<title>{name} {escape(text)}</title></rect>"
        )
        if width > 12 + 7 * len(text):
            body.append(_text(x + width / 2, top + 17, text, "middle", "#ffffff"))
        x += width
    body.append(_text(left, top + height + 18, f"NPS {Labels.number(summary.nps, 0, True)}"))
    return _svg(top + height + 26, body, title)


_BANDS = ("detractors", "passives", "promoters")


def _figure(s: Summary | None, nps: bool) -> Range | None:
    if s is None:
        return None
    return s.nps if nps else s.mean


def means(groups: Sequence[Group], scale: tuple[int, int], title: str, nps: bool = False):
    """One row per group: its mean (or NPS) as a dot with the 95 % interval, or as a bar over
    the range it is known within; a group without the figure says why in words."""
    row = 24
    names = [g.label or "(unknown)" for g in groups]
    values = []
    for g in groups:
        value = _figure(g.summary, nps)
        shown = "" if value is None else Labels.number(value, 0 if nps else 1, signed=nps)
        values.append(f"{shown}  (n={Labels.count(g.n)})" if value is not None else "")
    left = _column(names, 60, 200)
    right = _column(values, 40, 220)
    span = WIDTH - left - right
    low, high = (-100, 100) if nps else scale
    body = [
        f'<line x1="{left}" y1="2" x2="{left}" y2="{4 + len(groups) * row}" stroke="{GREY}"/>',
    ]

    def x_of(value: float) -> float:
        return left + span * (value - low) / (high - low or 1)

    for i, g in enumerate(groups):
        y = 4 + i * row + row / 2
        body.append(_text(left - GAP, y + 4, _fit(names[i], left - GAP - 1), "end"))
        value = _figure(g.summary, nps)
        if value is None:
            body.append(_text(left + 6, y + 4, f"n = {Labels.count(g.n)}", fill="#4a5568"))
            continue
        s = g.summary
        if not nps and s.ci_low is not None and s.ci_high is not None:
            body.append(
                f'<line x1="{x_of(s.ci_low.low):.1f}" y1="{y:.1f}" x2="{x_of(s.ci_high.high):.1f}"'
                f' y2="{y:.1f}" stroke="{BLUE}" stroke-width="2"/>'
            )
        if value.exact:
            body.append(f'<circle cx="{x_of(value.low):.1f}" cy="{y:.1f}" r="5" fill="{BLUE}"/>')
        else:
            body.append(
                f'<rect x="{x_of(value.low) - 2:.1f}" y="{y - 5:.1f}"'
                f' width="{x_of(value.high) - x_of(value.low) + 4:.1f}" height="10" rx="5"'
                f' fill="{BLUE}"/>'
            )
        body.append(_text(WIDTH - right + GAP, y + 4, values[i]))
    return _svg(8 + len(groups) * row, body, title)


def trend(points: Sequence[Group], scale: tuple[int, int] | None, title: str, nps: bool = False):
    """A line of the mean (or NPS, or the count when there is no scale) per period; a point
    known within a range is drawn at its middle with the range as a whisker; a hidden point, or
    one left out, breaks the line."""
    height, bottom, top = 180, 36, 12
    shown = [p for p in points if not isinstance(p.n, Suppressed)]

    def value(p: Group) -> Range | None:
        if scale is None:
            return None if isinstance(p.n, Suppressed) else Range(float(p.n), float(p.n))
        return _figure(p.summary, nps)

    if nps:
        low, high = -100.0, 100.0
    elif scale:
        low, high = float(scale[0]), float(scale[1])
    else:
        low, high = 0.0, float(max([p.n for p in shown], default=0) or 1)  # never 0..0
    # Room for the axis labels (1.991, -100) left of the axis.
    left = int(max(44, max(text_width(Labels.count(v)) for v in (low, high)) + 10))
    span_x, span_y = WIDTH - left - 16, height - top - bottom
    body = [
        f'<line x1="{left}" y1="{top + span_y}" x2="{WIDTH - 16}" y2="{top + span_y}"'
        f' stroke="{GREY}"/>',
        _text(left - 6, top + 4, Labels.count(high), "end"),  # 1.991, as the reader writes it
        _text(left - 6, top + span_y + 4, Labels.count(low), "end"),
    ]

    def y_of(v: float) -> float:
        return top + span_y * (1 - (v - low) / (high - low or 1))

    step = span_x / max(1, len(points) - 1)
    every = _label_stride(points, step)
    shown_until = -GAP  # where the last label drawn ends
    segment: list[str] = []
    for i, p in enumerate(points):
        x = left + i * step if len(points) > 1 else left + span_x / 2
        v = value(p)
        if i % every == 0:
            label = _placed(x, p.label)
            if label[0] >= shown_until + GAP:
                shown_until = label[1]
                body.append(_text(label[2], height - 14, p.label, label[3]))
        if v is None:
            body.append(_text(x, top + span_y - 4, "<", "middle", GREY))
            if len(segment) > 1:
                body.append(_polyline(segment))
            segment = []
            continue
        y = y_of(v.mid)
        segment.append(f"{x:.1f},{y:.1f}")
        if not v.exact:
            body.append(
                f'<line x1="{x:.1f}" y1="{y_of(v.low):.1f}" x2="{x:.1f}" y2="{y_of(v.high):.1f}"'
                f' stroke="{BLUE}" stroke-width="2"/>'
            )
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{BLUE}"/>')
    if len(segment) > 1:
        body.append(_polyline(segment))
    return _svg(height, body, title)


def _placed(x: float, text: str) -> tuple[float, float, float, str]:
    """(start, end, x, anchor) of a label centred under ``x``, moved inside the chart."""
    half = text_width(text) / 2
    if x - half < 2:
        return 2, 2 + 2 * half, 2, "start"
    if x + half > WIDTH - 2:
        return WIDTH - 2 - 2 * half, WIDTH - 2, WIDTH - 2, "end"
    return x - half, x + half, x, "middle"


def _label_stride(points: Sequence[Group], step: float) -> int:
    """Label every n-th period so that neighbouring labels keep a gap (weeks are long)."""
    widest = max((text_width(p.label) for p in points), default=0.0)
    every = 1
    while every < len(points) and every * step < widest + GAP:
        every += 1
    return every


def _polyline(points: list[str]) -> str:
    return f'<polyline points="{" ".join(points)}" fill="none" stroke="{BLUE}" stroke-width="2"/>'
