"""Charts as SVG, drawn on the server from a gated report: no script, no external asset.

Every label is escaped; colours are presentation attributes (allowed by the page's CSP, kept by
printers and by the PDF renderer). A hidden count is drawn as an empty outlined bar marked
"< k", never with its length. Statistics are the published ranges of ``derived``: a figure known
only within a range is drawn as that range, one left out is not drawn.
"""

from __future__ import annotations

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
FONT = 'font-family="Helvetica, Arial, sans-serif" font-size="12"'


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
    row, left, right = 22, 150, 70
    span = WIDTH - left - right
    body = []
    for i, b in enumerate(items):
        y = 4 + i * row
        body.append(_text(left - 8, y + 13, labels.get(b.answer, b.answer), "end"))
        if isinstance(b.n, Suppressed) or b.share is None:
            body.append(
                f'<rect x="{left}" y="{y + 3}" width="{span * 0.04:.1f}" height="{row - 8}"'
                f' fill="none" stroke="{GREY}" stroke-dasharray="3 2"/>'
            )
            body.append(_text(left + span * 0.04 + 6, y + 13, str(b.n), fill="#4a5568"))
            continue
        width = max(1.0, span * b.share)
        body.append(
            f'<rect x="{left}" y="{y + 3}" width="{width:.1f}" height="{row - 8}" fill="{BLUE}"/>'
        )
        text = f"{Labels.percent(b.share)} ({Labels.count(b.n)})"
        body.append(_text(left + width + 6, y + 13, text))
    return _svg(8 + len(items) * row, body, title)


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
    row, left, right = 24, 150, 140
    span = WIDTH - left - right
    low, high = (-100, 100) if nps else scale
    body = [
        f'<line x1="{left}" y1="2" x2="{left}" y2="{4 + len(groups) * row}" stroke="{GREY}"/>',
    ]

    def x_of(value: float) -> float:
        return left + span * (value - low) / (high - low or 1)

    for i, g in enumerate(groups):
        y = 4 + i * row + row / 2
        body.append(_text(left - 8, y + 4, g.label or "(unknown)", "end"))
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
        shown = Labels.number(value, 0 if nps else 1, signed=nps)
        body.append(_text(WIDTH - right + 8, y + 4, f"{shown}  (n={Labels.count(g.n)})"))
    return _svg(8 + len(groups) * row, body, title)


def trend(points: Sequence[Group], scale: tuple[int, int] | None, title: str, nps: bool = False):
    """A line of the mean (or NPS, or the count when there is no scale) per period; a point
    known within a range is drawn at its middle with the range as a whisker; a hidden point, or
    one left out, breaks the line."""
    height, left, bottom, top = 180, 44, 36, 12
    span_x, span_y = WIDTH - left - 16, height - top - bottom
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
    body = [
        f'<line x1="{left}" y1="{top + span_y}" x2="{WIDTH - 16}" y2="{top + span_y}"'
        f' stroke="{GREY}"/>',
        _text(left - 6, top + 4, Labels.count(high), "end"),  # 1.991, as the reader writes it
        _text(left - 6, top + span_y + 4, Labels.count(low), "end"),
    ]

    def y_of(v: float) -> float:
        return top + span_y * (1 - (v - low) / (high - low or 1))

    step = span_x / max(1, len(points) - 1)
    segment: list[str] = []
    for i, p in enumerate(points):
        x = left + i * step if len(points) > 1 else left + span_x / 2
        v = value(p)
        if i % max(1, len(points) // 8) == 0:
            # The first and last labels stay inside the chart.
            anchor = "start" if i == 0 else "end" if i == len(points) - 1 else "middle"
            body.append(_text(x, height - 14, p.label, anchor))
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


def _polyline(points: list[str]) -> str:
    return f'<polyline points="{" ".join(points)}" fill="none" stroke="{BLUE}" stroke-width="2"/>'
