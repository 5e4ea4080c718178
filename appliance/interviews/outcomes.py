"""The outcome of a call attempt, in the codes of the AAPOR Standard Definitions (10th edition,
2023): each code has its AAPOR number, whether it ends the contact's calling (final) or leaves
them on the list (temporary), and the group the response rates count it in.

Groups (AAPOR's letters): I complete, P partial, R refusal and break-off, NC non-contact,
O other eligible non-interview, UH unknown eligibility (no contact made), NE not eligible.
A temporary code that is still the last one when calling ends (the campaign closes or the
maximum number of attempts is reached) is counted in its group as it stands.
"""

from __future__ import annotations

from dataclasses import dataclass

from appliance.i18n import N_


@dataclass(frozen=True)
class Outcome:
    code: str  # stored
    aapor: str  # the AAPOR disposition number
    group: str  # I, P, R, NC, O, UH or NE
    final: bool
    label: str  # msgid


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("complete", "1.1", "I", True, N_("Complete")),
    Outcome("partial", "1.2", "P", True, N_("Partial interview")),
    Outcome("refusal", "2.11", "R", True, N_("Refusal")),
    Outcome("break_off", "2.12", "R", True, N_("Break-off")),
    Outcome("appointment", "2.21", "NC", False, N_("Appointment")),
    Outcome("language", "2.33", "O", True, N_("Language problem")),
    Outcome("not_attempted", "3.11", "UH", False, N_("Not yet called")),
    Outcome("busy", "3.12", "UH", False, N_("Busy")),
    Outcome("no_answer", "3.13", "UH", False, N_("No answer")),
    Outcome("answering_machine", "3.14", "UH", False, N_("Answering machine")),
    Outcome("wrong_number", "4.30", "NE", True, N_("Wrong or non-working number")),
    Outcome("not_eligible", "4.70", "NE", True, N_("Not eligible")),
)
BY_CODE: dict[str, Outcome] = {o.code: o for o in OUTCOMES}
GROUPS = ("I", "P", "R", "NC", "O", "UH", "NE")
# What an interviewer may record by hand: complete and partial come only with a stored
# interview, and "not yet called" is what a call is before its first attempt.
RECORDABLE: tuple[Outcome, ...] = tuple(
    o for o in OUTCOMES if o.code not in ("complete", "partial", "not_attempted")
)
