"""Enhanced mail system status codes (RFC 3463): what a code means in words, and which failures
say that the address itself is bad.

A remote server's own words are never stored: they may hold the recipient's address in any
spelling, a name or a telephone number. What is kept of a failure is its code and the meaning
below, so :func:`describe` is all a reason shown to staff is made of.

The rule for a hard bounce of the address (a mark towards "undeliverable", see
``bounce_service``), the same at send time and in a bounce message:

- 5.1.x (bad mailbox, system or syntax of the address) and 5.2.1 (mailbox disabled) are;
- 5.7.x (security or policy: DMARC, SPF, spam, relay denied), 5.3.x (the mail system), 5.4.x
  (network and routing), 5.6.x (the message's content) and the other 5.2.x (mailbox full,
  message too large) are not: the message failed, the address may be fine;
- any other 5.x.x (or none) is only when the reply code says the mailbox is unavailable or bad
  (550, 551, 553) at the recipient step of SMTP: our relay's reply at send time, or the
  recipient's server's in a bounce message (its ``smtp;`` Diagnostic-Code, as Outlook.com's
  ``550 5.5.0 mailbox unavailable``); a bounce message without either counts when the
  reporting system gives no status at all.
"""

from __future__ import annotations

import re

STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")

_DETAIL = {
    "0.0": "other undefined status",
    "1.0": "other address status",
    "1.1": "bad destination mailbox address",
    "1.2": "bad destination system address",
    "1.3": "bad destination mailbox address syntax",
    "1.4": "destination mailbox address ambiguous",
    "1.6": "destination mailbox has moved",
    "1.7": "bad sender's mailbox address syntax",
    "1.8": "bad sender's system address",
    "1.10": "recipient not found, or its domain has a null MX",
    "2.0": "other or undefined mailbox status",
    "2.1": "mailbox disabled, not accepting messages",
    "2.2": "mailbox full",
    "2.3": "message length exceeds administrative limit",
    "2.4": "mailing list expansion problem",
    "3.0": "other or undefined mail system status",
    "3.1": "mail system full",
    "3.2": "system not accepting network messages",
    "3.3": "system not capable of selected features",
    "3.4": "message too big for system",
    "3.5": "system incorrectly configured",
    "4.0": "other or undefined network or routing status",
    "4.1": "no answer from host",
    "4.2": "bad connection",
    "4.3": "directory server failure",
    "4.4": "unable to route",
    "4.5": "mail system congestion",
    "4.6": "routing loop detected",
    "4.7": "delivery time expired",
    "5.0": "other or undefined protocol status",
    "6.0": "other or undefined media error",
    "7.0": "other or undefined security status",
    "7.1": "delivery not authorized, message refused",
    "7.8": "authentication credentials invalid",
    "7.9": "authentication mechanism is too weak",
    "7.23": "SPF validation failed",
    "7.25": "reverse DNS validation failed",
    "7.26": "multiple authentication checks failed",
    "7.27": "sender address has a null MX",
}
_SUBJECT = {
    "0": "other or undefined status",
    "1": "addressing status",
    "2": "mailbox status",
    "3": "mail system status",
    "4": "network or routing status",
    "5": "mail delivery protocol status",
    "6": "message content or media status",
    "7": "security or policy status",
}
_CLASS = {"2": "success", "4": "temporary failure", "5": "permanent failure"}


def find(text: str) -> str:
    """The first enhanced status code in ``text`` ('' when there is none)."""
    match = STATUS.search(text)
    return match.group(0) if match else ""


def describe(status: str) -> str:
    """``status`` and its meaning in words (RFC 3463; an unknown detail by its subject, an
    unknown subject by its class); '' for '' and for anything that is not a status code."""
    match = STATUS.fullmatch(status.strip())
    if match is None:
        return ""
    klass, subject, detail = match.groups()
    words = _DETAIL.get(f"{subject}.{detail}") or _SUBJECT.get(subject) or _CLASS[klass]
    return f"{match.group(0)} {words}"


def address_failure(status: str, smtp_code: int | None) -> bool:
    """Whether a permanent failure says the address itself is bad (see the module's docstring).
    ``smtp_code``: the reply code at the recipient step of SMTP; None for a bounce message."""
    match = STATUS.fullmatch(status.strip()) if status else None
    if match is not None and match.group(1) == "5":
        subject, detail = match.group(2), match.group(3)
        if subject == "1" or (subject, detail) == ("2", "1"):
            return True
        # The mailbox's state (full, message too large), the mail system, routing, the
        # message's content and policy: the address may well be fine.
        if subject in ("2", "3", "4", "6", "7"):
            return False
    if smtp_code is None:
        return match is None
    return smtp_code in (550, 551, 553)
