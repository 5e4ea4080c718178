"""Response rates in a report: the disposition counts of the survey's sampled modes as copied at
its release (``report_dispositions``), protected against the respondents counts beside them.
Pure functions; only ``assemble`` calls them.

Disposition counts are about contacts (how many refused, were not reached, had a wrong number),
not about responses, so a small one is shown: one refusal says nothing about any answer. The
completes and partials of a mode are the exception: they are (nearly) that mode's respondents,
which the mode breakdown hides under k. So a mode's whole table (its codes: the completes are
the cases less the other codes, and its rates: each is a ratio over shown counts) is hidden when

- the mode's respondents are hidden in the report's mode line (below k, or complementary), or
- its completes or partials are 1..k-1, or
- its completes and partials differ from the mode's respondents by 1..k-1 (the difference would
  be a small group of responses: excluded ones, or anonymous paper forms beside the invited),

and the row of all modes together is hidden when any mode's table is (it would give the hidden
mode's figures by subtraction). See ``docs/privacy.md``, "Response rates in reports".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from appliance.interviews import rates
from appliance.interviews.outcomes import Outcome
from appliance.reports.report import Count, Suppressed


@dataclass(frozen=True)
class RateRow:
    """One sampled mode's dispositions and rates as a report shows them ("all" for the modes
    together, with group sums instead of codes), or ``hidden`` with none of them."""

    mode: str
    hidden: bool
    counts: tuple[tuple[Outcome, int], ...] = ()
    groups: tuple[tuple[str, int], ...] = ()
    rates: rates.Rates | None = None


def _small(n: int, k: int) -> bool:
    return 0 < n < k


def protect(
    counts: Mapping[str, Mapping[str, int]],
    fixed_e: float | None,
    respondents: Mapping[str, Count],
    k: int,
) -> list[RateRow]:
    """Rows for the sampled modes in ``counts`` (mode -> code -> cases) and, when there are
    any, all modes together. ``respondents`` are the report's respondents per response mode as
    it shows them (a :class:`Suppressed` where hidden); a mode absent from it counts as
    hidden."""
    modes, overall = rates.by_mode(counts, fixed_e)
    rows, any_hidden = [], False
    for m in modes:
        shown = respondents.get(rates.RESPONSE_MODE[m.mode], Suppressed(k))
        interviews = m.groups["I"] + m.groups["P"]
        hidden = (
            isinstance(shown, Suppressed)
            or _small(m.groups["I"], k)
            or _small(m.groups["P"], k)
            or _small(abs(shown - interviews), k)
        )
        any_hidden |= hidden
        rows.append(
            RateRow(m.mode, True)
            if hidden
            else RateRow(m.mode, False, m.counts, tuple(m.groups.items()), m.rates)
        )
    if overall is not None:
        rows.append(
            RateRow("all", True)
            if any_hidden
            else RateRow("all", False, (), tuple(overall.groups.items()), overall.rates)
        )
    return rows
