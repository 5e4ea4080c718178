"""Who took part, beside the answers: the waves of the survey's campaigns and the response
rates of its sampled modes, each protected against the respondents per mode that the report's
breakdown by mode shows. Pure functions; only ``assemble`` calls them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from appliance.interviews.rates import RESPONSE_MODE
from appliance.reports import protect
from appliance.reports.dispositions import protect as protect_rates
from appliance.reports.report import Count, Measure, Suppressed, hide_small

if TYPE_CHECKING:
    from appliance.reports.assemble import Assembler


def waves(asm: Assembler, campaigns: Sequence[Mapping], nobody: bool) -> list[dict]:
    """Campaigns as waves named by their start date (``started_on``), never by the name staff
    gave them, recipients below k hidden.

    The e-mail waves' responses are one line with the responses not from an e-mail wave
    (virtual, like the unknown value of a segment) whose total is the respondents. All e-mail
    waves together are the invitation mode's respondents: when the mode breakdown shows that
    count, it is the line's total and there is no remainder; when it hides it, and what it hides
    besides would come out as 1..k-1, the smallest wave is hidden too, so the sum stays open.
    The waves of post and telephone campaigns are answered in another mode (paper, telephone):
    see :func:`_other_waves`."""
    k = asm.k
    channels = {c["id"]: _channel(c) for c in campaigns}
    answered = {c["id"]: c["responses"] for c in campaigns if channels[c["id"]] == "email"}
    if nobody:
        hidden = set(channels)
    else:
        respondents = Measure("", "respondents")
        modes, hidden_modes = asm.line(respondents, "mode")
        total = sum(respondents.size(h) for h in modes.values())
        line = {**answered, None: max(0, total - sum(answered.values()))}
        if "invitation" not in hidden_modes:
            # The waves add up to a shown count: the remainder is known, and hides nothing.
            line = dict(answered)
        hide = []
        if "invitation" in hidden_modes and answered:
            besides = sum(respondents.size(modes[m]) for m in hidden_modes if m != "invitation")
            if 0 < besides < k:
                hide = [min(answered, key=lambda c: (answered[c], c))]
        hidden = protect.protect_line(line, k, virtual=[None], hide=hide)
        for channel in ("post", "phone"):
            waves = {c["id"]: c["responses"] for c in campaigns if channels[c["id"]] == channel}
            hidden |= _other_waves(asm, waves, RESPONSE_MODE[channel], modes, hidden_modes)
    out = []
    for c in campaigns:
        invited = hide_small(c["recipients"], False, k)
        responses = hide_small(c["responses"], c["id"] in hidden, k)
        shown = not isinstance(invited, Suppressed) and not isinstance(responses, Suppressed)
        out.append(
            {
                "started_on": (c["started_at"] or "")[:10],
                "recipients": invited,
                "responses": responses,
                "rate": c["responses"] / c["recipients"] if shown and c["recipients"] else None,
            }
        )
    return out


def _channel(campaign: Mapping) -> str:
    try:
        return campaign["channel"]
    except (KeyError, IndexError):
        return "email"  # a campaign from before channels


def _other_waves(
    asm: Assembler, waves: Mapping[int, int], mode: str, modes: Mapping, hidden_modes: set
) -> set:
    """Hidden waves of one channel answered in ``mode`` (post: paper, telephone: phone). They
    add up to (nearly) that mode's respondents, so all of them are hidden when the breakdown by
    mode hides that count; otherwise they are one line whose total is the mode's respondents,
    the rest of the mode (anonymous paper forms) a virtual cell."""
    if not waves:
        return set()
    if mode in hidden_modes or mode not in modes:
        return set(waves)
    shown = Measure("", "respondents").size(modes[mode])
    line = {**waves, None: max(0, shown - sum(waves.values()))}
    return protect.protect_line(line, asm.k, virtual=[None]) - {None}


def rates(
    asm: Assembler,
    dispositions: Mapping[str, Mapping[str, int]],
    fixed_e: float | None,
    total: Count,
) -> list:
    """The response rates, each mode's protected against its respondents in the mode line as
    the breakdown by mode shows them (all hidden when the respondents are)."""
    if not dispositions:
        return []
    respondents = Measure("", "respondents")
    shown: dict[str, Count] = {}
    if not isinstance(total, Suppressed):
        modes, hidden = asm.line(respondents, "mode")
        shown = {m: hide_small(respondents.size(h), m in hidden, asm.k) for m, h in modes.items()}
    return protect_rates(dispositions, fixed_e, shown, asm.k)
