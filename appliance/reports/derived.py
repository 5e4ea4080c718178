"""Statistics of a published distribution: the only way a mean, an NPS or a share reaches a report.

Contract of :func:`summary`: its input is what a report publishes of one distribution (the
shown count of each answer, which answers are hidden, and the total), never the counts behind a
hidden bar. Each figure it returns is a :class:`Range`: the lowest and highest value the figure
takes over every distribution that fits that input (the hidden total spread over the hidden
answers in any way). A figure is therefore a function of the published counts: whatever its
precision, it tells nothing the counts do not, and the minimum group size holds for it exactly as
``protect`` makes it hold for the counts. With no hidden answer every range is one exact value.
A range wider than a tenth of its scale says nothing and is left out (``None``).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from appliance.reports import stats

# Ranges up to this share of the scale are shown; NPS and percentages: 10 points.
WIDEST = 0.1
_EPSILON = 1e-9


@dataclass(frozen=True)
class Range:
    """A figure known to lie between ``low`` and ``high`` (equal when it is exact)."""

    low: float
    high: float

    @property
    def exact(self) -> bool:
        return self.low == self.high

    @property
    def mid(self) -> float:
        return (self.low + self.high) / 2

    @staticmethod
    def over(values: Iterable[float]) -> Range:
        values = list(values)
        low, high = min(values), max(values)
        return Range(low, low if high - low < _EPSILON else high)


@dataclass(frozen=True)
class Summary:
    """Published statistics of a numeric distribution (``n`` excludes 'not applicable'); a
    figure is None when its range is too wide to show."""

    n: Range
    mean: Range | None
    median: Range | None
    sd: Range | None
    ci_low: Range | None
    ci_high: Range | None
    top2: Range | None  # share (0-1) in the two highest scale points
    is_nps: bool = False
    nps: Range | None = None  # -100..100, NPS questions only
    promoters: Range | None = None
    passives: Range | None = None
    detractors: Range | None = None


def _numeric(answer: str) -> bool:
    return answer.lstrip("-").isdigit()


def summary(
    shown: Mapping[str, int],
    hidden: Collection[str],
    total: int,
    scale: tuple[int, int],
    is_nps: bool = False,
) -> Summary | None:
    """The published summary of a scale question's line, or None when the published counts
    leave open whether anybody gave a numeric answer (or where some of the total went)."""
    known = {int(a): c for a, c in shown.items() if _numeric(a) and c > 0}
    places = sorted({int(a) for a in hidden if _numeric(a)})
    elsewhere = any(not _numeric(a) for a in hidden)  # 'not applicable' is hidden too
    mass = total - sum(shown.values())
    if mass < 0 or (mass and not hidden):
        return None
    # How many of the hidden answers are numeric: all, none, or (with 'not applicable' hidden
    # beside numeric answers) anything in between.
    if not mass or not places:
        numeric_mass = [0]
    elif elsewhere:
        numeric_mass = list(range(mass + 1))
    else:
        numeric_mass = [mass]
    base = sum(known.values())
    if base + numeric_mass[0] == 0:
        return None
    taken: dict[str, list] = {}
    # Counts and shares are linear (over a linear denominator) and the median moves one way as
    # answers are added at one place: all take their extremes at the corners, where every
    # hidden answer sits at one place (or all are 'not applicable').
    for t in {numeric_mass[0], numeric_mass[-1]}:
        for s in [_stats(known, v, t, scale, is_nps) for v in places] if t else []:
            _take(taken, s)
        if not t:
            _take(taken, _stats(known, 0, 0, scale, is_nps))
    taken.update(_spread(known, places, numeric_mass, scale))
    span = scale[1] - scale[0]
    widest = {"n": math.inf, "nps": 100 * WIDEST}
    widest.update(dict.fromkeys(("top2", "promoters", "passives", "detractors"), WIDEST))
    figures: dict = {"is_nps": is_nps}
    for name, values in taken.items():
        if None in values:
            figures[name] = None
            continue
        found = Range.over(values)
        fits = found.high - found.low <= widest.get(name, span * WIDEST)
        figures[name] = found if fits else None
    return Summary(**figures)


_LINEAR = ("n", "mean", "median", "top2", "nps", "promoters", "passives", "detractors")


def _take(taken: dict, s: stats.Summary) -> None:
    for name in _LINEAR:
        taken.setdefault(name, []).append(getattr(s, name))


def _stats(known: Mapping[int, int], place: int, t: int, scale, is_nps) -> stats.Summary:
    counts = {str(v): c for v, c in known.items()}
    if t:
        counts[str(place)] = known.get(place, 0) + t
    found = stats.summary(counts, scale, is_nps)
    assert found is not None  # callers ensure a numeric answer
    return found


def _variance(n: int, s1: float, s2: float) -> float:
    return max(0.0, (s2 - s1 * s1 / n) / (n - 1)) if n > 1 else 0.0


def _spread(known: Mapping[int, int], places: list[int], numeric_mass: list[int], scale):
    """Ranges of the standard deviation and the 95 % interval. For each number ``t`` of
    numeric hidden answers: the variance is concave in how they are spread, so its least value
    is at a corner (all at one place) and its greatest on the edge between the lowest and the
    highest place; each interval bound lies between the bounds made of the extreme mean and
    standard deviation."""
    s1 = sum(v * c for v, c in known.items())
    s2 = sum(v * v * c for v, c in known.items())
    low, high = scale
    out: dict[str, list[float]] = {"sd": [], "ci_low": [], "ci_high": []}
    for t in numeric_mass:
        n = sum(known.values()) + t
        if n == 0:
            continue
        corners = places if t else [0]
        means = [(s1 + t * v) / n for v in corners]
        sds = [math.sqrt(_variance(n, s1 + t * v, s2 + t * v * v)) for v in corners]
        top = max(sds)
        if t and len(places) > 1 and n > 1:
            a, b = places[0], places[-1]
            # The variance's slope along that edge is zero where the sum is n(a+b)/2.
            turn = min(1.0, max(0.0, (n * (a + b) / 2 - s1 - t * a) / (t * (b - a))))
            m1 = s1 + t * (a + turn * (b - a))
            m2 = s2 + t * (a * a + turn * (b * b - a * a))
            top = max(top, math.sqrt(_variance(n, m1, m2)))
        least = min(sds)
        half = stats.t95(n - 1) / math.sqrt(n) if n > 1 else 0.0
        out["sd"] += [least, top]
        out["ci_low"] += [max(low, min(means) - half * top), max(low, max(means) - half * least)]
        out["ci_high"] += [min(high, min(means) + half * least), min(high, max(means) + half * top)]
    return out
