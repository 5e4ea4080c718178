"""The relay-refusal breaker of the sending engine (:mod:`~appliance.mailing.sender`).

A relay that refuses (5xx) much of what it is offered is most likely refusing because of itself
(a blocked account, a wrong setting), not because of the addresses. So the breaker holds every
refusal back instead of letting it mark a message bounced or failed, and judges the results in
runs: when the relay refused more than ``share`` of a run of at least ``minimum`` results, the
breaker trips and the run's refusals go back to the queue untouched, with a problem that pauses
the campaign; otherwise they are recorded as they came. A run is judged when it holds ``run``
results, and once more at the end of a round; fewer than ``minimum`` results (a small
campaign's last run) never trip it. Once tripped, it hands back every later refusal as well.

Pure bookkeeping: the caller records what a :class:`Verdict` says, and stops sending when it
carries a problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from appliance.i18n import N_
from appliance.mailing import errors
from appliance.mailing.outbox import Claimed

# Results that are the relay's 5xx; "unsendable" was refused here, not by the relay.
REFUSALS = ("bounced", "rejected")
# Results that count towards a run: everything the relay answered or dropped.
_TRIED = (*REFUSALS, "sent", "unconfirmed", "retry")

Held = tuple[str, Claimed, str]  # (result kind, message, detail)


@dataclass
class Verdict:
    """A judged run. ``problem`` empty: record the ``held`` refusals as they came (a
    "bounced" one bounces, any other fails); set: the breaker tripped, hand ``held`` back to
    the queue and pause the campaign with ``problem`` (storable, see :mod:`errors`)."""

    held: list[Held]
    problem: str = ""


@dataclass
class Breaker:
    """The results since the last judgement, and the refusals held until it comes."""

    run: int
    minimum: int
    share: float
    tripped: bool = False
    tried: int = 0
    refused: int = 0
    held: list[Held] = field(default_factory=list)

    def hands_back(self, kind: str) -> bool:
        """True for a refusal that comes after the breaker tripped: it goes back to the queue
        at once and is not counted."""
        return self.tripped and kind in REFUSALS

    def count(self, kind: str, item: Claimed, detail: str) -> bool:
        """Count one result (holding it when it is a refusal); True when the run is full and
        :meth:`judge` is due."""
        if kind in REFUSALS:
            self.held.append((kind, item, detail))
        if kind in _TRIED:
            self.tried += 1
            self.refused += kind in REFUSALS
        return self.tried >= self.run

    def judge(self, final: bool = False) -> Verdict | None:
        """Judge the run so far and start a new one; None while it is too short to judge (at
        the end of a round, ``final``, every run is judged) or once the breaker has tripped."""
        if self.tripped:
            return None
        if self.tried >= self.minimum and self.refused > self.share * self.tried:
            self.tripped = True
            verdict = Verdict(self.held, problem(self.refused, self.tried))
        elif self.tried >= self.run or final:
            verdict = Verdict(self.held)
        else:
            return None
        self.tried, self.refused, self.held = 0, 0, []
        return verdict


def problem(refused: int, tried: int) -> str:
    """The campaign's problem when the breaker trips (a msgid, shown translated)."""
    exc = errors.MailError(
        f"the relay refused {refused} of {tried} messages; paused, no address marked"
    )
    exc.reason = N_(
        "The mail server refused %(refused)s of %(tried)s messages, which points to the mail"
        " server or its settings rather than to the addresses. Sending is paused and no address"
        " was marked undeliverable; the refused messages will be sent again. Check the mail"
        " settings (or ask the mail server's administrator), then resume the campaign."
    )
    exc.params = {"refused": str(refused), "tried": str(tried)}
    return errors.storable(exc)
