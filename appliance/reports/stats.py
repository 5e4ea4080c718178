"""Statistics of one question from its answer counts (a histogram): pure functions.

Every figure comes from the counts per answer value, so the same function serves a whole
survey, a breakdown group and a trend point. ``na`` (not applicable) is counted apart and left
out of every statistic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

# Two-sided 95 % critical values of Student's t by degrees of freedom; 1.96 beyond 120.
_T95 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
    9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120,
    17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064,
    25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000,
    120: 1.980,
}  # fmt: skip


def t95(df: int) -> float:
    if df > 120:
        return 1.96
    return _T95[max(d for d in _T95 if d <= df)]


@dataclass(frozen=True)
class Summary:
    """Statistics of a numeric answer distribution (``n`` excludes 'not applicable')."""

    n: int
    mean: float
    median: float
    sd: float
    ci_low: float
    ci_high: float
    top2: float  # share (0-1) in the two highest scale points
    nps: float | None = None  # -100..100, NPS questions only
    promoters: float | None = None
    passives: float | None = None
    detractors: float | None = None


def numeric(counts: Mapping[str, int]) -> dict[int, int]:
    return {int(v): n for v, n in counts.items() if v.lstrip("-").isdigit() and n > 0}


def summary(counts: Mapping[str, int], scale: tuple[int, int], is_nps: bool = False):
    """Summary of a scale question, or None without answers."""
    values = numeric(counts)
    n = sum(values.values())
    if n == 0:
        return None
    mean = sum(v * c for v, c in values.items()) / n
    var = sum(c * (v - mean) ** 2 for v, c in values.items()) / (n - 1) if n > 1 else 0.0
    sd = math.sqrt(var)
    half = t95(n - 1) * sd / math.sqrt(n) if n > 1 else 0.0
    low, high = scale
    top2 = sum(c for v, c in values.items() if v >= high - 1) / n
    extra = {}
    if is_nps:
        promoters = sum(c for v, c in values.items() if v >= 9) / n
        detractors = sum(c for v, c in values.items() if v <= 6) / n
        extra = {
            "nps": round(100 * (promoters - detractors), 1),
            "promoters": promoters,
            "passives": 1 - promoters - detractors,
            "detractors": detractors,
        }
    return Summary(
        n=n,
        mean=mean,
        median=_median(values, n),
        sd=sd,
        ci_low=max(low, mean - half),
        ci_high=min(high, mean + half),
        top2=top2,
        **extra,
    )


def _median(values: Mapping[int, int], n: int) -> float:
    ordered = sorted(values.items())

    def at(position: int) -> int:
        seen = 0
        for value, count in ordered:
            seen += count
            if seen > position:
                return value
        return ordered[-1][0]

    return (at((n - 1) // 2) + at(n // 2)) / 2
