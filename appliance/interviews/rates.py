"""Response rates in the AAPOR Standard Definitions (10th edition, 2023): pure functions.

A survey's sampled modes (telephone calls, e-mail and post invitations) each end every case in
one disposition code; the codes are summed in AAPOR's groups:

- I complete, P partial, R refusal and break-off, NC non-contact, O other eligible non-interview,
- UH unknown eligibility with no contact made (a telephone number never answered), UO unknown
  eligibility otherwise (an invitation nobody answered, or returned undelivered),
- NE not eligible, left out of every denominator.

The rates (AAPOR's formulas)::

    RR1 = I / ((I+P) + (R+NC+O) + (UH+UO))
    RR2 = (I+P) / ((I+P) + (R+NC+O) + (UH+UO))
    RR3 = I / ((I+P) + (R+NC+O) + e(UH+UO))
    RR4 = (I+P) / ((I+P) + (R+NC+O) + e(UH+UO))
    COOP1 = I / ((I+P) + R + O)
    REF1 = R / ((I+P) + (R+NC+O) + (UH+UO))
    CON1 = ((I+P) + R + O) / ((I+P) + R + O + NC + (UH+UO))

e is the estimated share of the unknown-eligibility cases that are eligible: by default the
share among the cases whose eligibility is known (:func:`proportional_e`), or a fixed value staff
chose for the survey. A rate whose denominator is zero is undefined: None, shown as "–".

Open links, kiosks, face-to-face interviews and anonymous paper forms have no sample: they have
response counts, never a rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from appliance.i18n import N_
from appliance.interviews.outcomes import OUTCOMES, Outcome

GROUPS = ("I", "P", "R", "NC", "O", "UH", "UO", "NE")
GROUP_LABELS = {
    "I": N_("Complete interviews"),
    "P": N_("Partial interviews"),
    "R": N_("Refusals and break-offs"),
    "NC": N_("Non-contacts"),
    "O": N_("Other eligible, no interview"),
    "UH": N_("Unknown eligibility, no contact"),
    "UO": N_("Unknown eligibility, other"),
    "NE": N_("Not eligible"),
}

# Cases of an e-mail or post invitation, in AAPOR's codes for Internet and mail surveys of
# specifically named persons. Nobody can refuse or break off a web questionnaire in a way the
# appliance sees (a half-filled form is not stored), so what is not complete is of unknown
# eligibility: a bounced e-mail says nothing about whether the person belongs to the population.
INVITATION_OUTCOMES: tuple[Outcome, ...] = (
    Outcome("complete", "1.1", "I", True, N_("Complete")),
    Outcome("not_sent", "3.11", "UO", True, N_("No invitation sent")),
    Outcome("nothing_returned", "3.19", "UO", True, N_("Nothing ever returned")),
    Outcome("returned", "3.30", "UO", True, N_("Invitation returned undelivered")),
)

# The sampled modes: their codes, and the response mode their completes are stored in.
SAMPLED_MODES = ("email", "post", "phone")
CODES: dict[str, tuple[Outcome, ...]] = {
    "email": INVITATION_OUTCOMES,
    "post": tuple(o for o in INVITATION_OUTCOMES if o.code != "returned"),
    "phone": OUTCOMES,
}
RESPONSE_MODE = {"email": "invitation", "post": "paper", "phone": "phone"}
MODE_LABELS = {"email": N_("E-mail"), "post": N_("Post"), "phone": N_("Telephone")}
RESPONSE_MODE_LABELS = {
    "invitation": N_("E-mail invitation"),
    "link": N_("Open link"),
    "kiosk": N_("Kiosk"),
    "paper": N_("Paper"),
    "phone": N_("Telephone"),
    "onsite": N_("Face to face"),
}

RATE_NAMES = ("rr1", "rr2", "rr3", "rr4", "coop1", "ref1", "con1")


@dataclass(frozen=True)
class Rates:
    """The seven rates of one set of dispositions (None where undefined), and the e used for
    RR3 and RR4 (None when it could not be estimated) and whether staff fixed it."""

    rr1: float | None
    rr2: float | None
    rr3: float | None
    rr4: float | None
    coop1: float | None
    ref1: float | None
    con1: float | None
    e: float | None
    e_fixed: bool

    def named(self) -> list[tuple[str, float | None]]:
        return [(name, getattr(self, name)) for name in RATE_NAMES]


def groups_of(mode: str, counts: Mapping[str, int]) -> dict[str, int]:
    """The AAPOR group sums of ``counts`` (code -> cases) of a sampled ``mode``. Raises
    KeyError for a code the mode does not have."""
    by_code = {o.code: o for o in CODES[mode]}
    out = dict.fromkeys(GROUPS, 0)
    for code, n in counts.items():
        out[by_code[code].group] += n
    return out


def pooled(groups: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """Group sums added over several modes: every case of each mode counts once."""
    out = dict.fromkeys(GROUPS, 0)
    for g in groups:
        for name in GROUPS:
            out[name] += g.get(name, 0)
    return out


def proportional_e(g: Mapping[str, int]) -> float | None:
    """(I+P+R+NC+O) / (I+P+R+NC+O+NE): the share eligible among the cases whose eligibility
    is known; None when none is known."""
    eligible = g["I"] + g["P"] + g["R"] + g["NC"] + g["O"]
    known = eligible + g["NE"]
    return eligible / known if known else None


def _ratio(top: float, bottom: float) -> float | None:
    return top / bottom if bottom else None


def rates(g: Mapping[str, int], fixed_e: float | None = None) -> Rates:
    """The seven rates of group sums ``g`` (all of :data:`GROUPS`), with ``fixed_e`` as e when
    given, else the proportional estimate. Where e cannot be estimated and there are cases of
    unknown eligibility, RR3 and RR4 are None."""
    interviews = g["I"] + g["P"]
    eligible_non = g["R"] + g["NC"] + g["O"]
    unknown = g["UH"] + g["UO"]
    e = fixed_e if fixed_e is not None else proportional_e(g)
    all_cases = interviews + eligible_non + unknown
    if e is None and unknown:
        rr3 = rr4 = None
    else:
        estimated = interviews + eligible_non + (e or 0.0) * unknown
        rr3, rr4 = _ratio(g["I"], estimated), _ratio(interviews, estimated)
    return Rates(
        rr1=_ratio(g["I"], all_cases),
        rr2=_ratio(interviews, all_cases),
        rr3=rr3,
        rr4=rr4,
        coop1=_ratio(g["I"], interviews + g["R"] + g["O"]),
        ref1=_ratio(g["R"], all_cases),
        con1=_ratio(interviews + g["R"] + g["O"], interviews + g["R"] + g["O"] + g["NC"] + unknown),
        e=e,
        e_fixed=fixed_e is not None,
    )


@dataclass(frozen=True)
class ModeRates:
    """One sampled mode's cases per code (every code of the mode, zeros included, in AAPOR
    order), their group sums and rates. The row "all modes" has mode "all" and no codes."""

    mode: str
    counts: tuple[tuple[Outcome, int], ...]
    groups: dict[str, int]
    rates: Rates

    @property
    def cases(self) -> int:
        return sum(self.groups.values())


def by_mode(
    counts: Mapping[str, Mapping[str, int]], fixed_e: float | None = None
) -> tuple[list[ModeRates], ModeRates | None]:
    """The rates of each sampled mode present in ``counts`` (mode -> code -> cases), and of all
    of them together (their group sums added: a person sampled in two modes is two cases, as
    each mode's figures count them), or None without any sampled mode. Unknown codes raise
    KeyError."""
    modes = []
    for mode in SAMPLED_MODES:
        if mode not in counts:
            continue
        g = groups_of(mode, counts[mode])
        codes = tuple((o, counts[mode].get(o.code, 0)) for o in CODES[mode])
        modes.append(ModeRates(mode, codes, g, rates(g, fixed_e)))
    if not modes:
        return [], None
    total = pooled(m.groups for m in modes)
    return modes, ModeRates("all", (), total, rates(total, fixed_e))
