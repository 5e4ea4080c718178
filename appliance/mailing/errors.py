"""What can go wrong in getting a message to its recipient (raised by ``transport``), and how
such a problem is kept as a campaign's message. No message names a recipient, so errors can be
logged and shown as they are."""

from __future__ import annotations

import json
from typing import Any


class MailError(Exception):
    """Sending is not possible now; the message is for the admin (no addresses in it).

    ``str()`` is English (logs, console). A failure to set up a connection also carries
    ``reason`` (a msgid with ``params``) and ``detail`` (the system's or relay's own words), so
    the interface can say it in the reader's language (``mailing.problems``)."""

    reason: str = ""
    params: dict[str, str] = {}  # noqa: RUF012 - replaced per instance, never mutated
    detail: str = ""


def storable(exc: BaseException) -> str:
    """What to keep as a campaign's message: JSON with the msgid, its parameters, the detail
    and the English text when the error has a reason, else the English text."""
    if isinstance(exc, MailError) and exc.reason:
        return json.dumps(
            {"reason": exc.reason, "params": exc.params, "detail": exc.detail, "text": str(exc)},
            ensure_ascii=False,
        )
    return str(exc) or type(exc).__name__


def stored_problem(message: str) -> dict[str, Any] | None:
    """The parts of a message made by :func:`storable` (None for any other text)."""
    if not message.startswith("{"):
        return None
    try:
        data = json.loads(message)
    except ValueError:
        return None
    return data if isinstance(data, dict) and "reason" in data else None


def plain(message: str) -> str:
    """A stored message in English, for the console."""
    data = stored_problem(message)
    return str(data.get("text", "")) if data else message


class TemporaryFailure(MailError):
    pass


class ConnectionLost(TemporaryFailure):
    """The connection dropped (or the relay said 421, closing): reconnect before the next.
    ``maybe_delivered``: it dropped after the end of data went out and before the reply came,
    so the relay may have the message; no other failure leaves that doubt."""

    def __init__(self, message: str, maybe_delivered: bool = False):
        super().__init__(message)
        self.maybe_delivered = maybe_delivered


class PermanentFailure(MailError):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


class SenderRefused(MailError):
    """The relay refuses our sender address (5xx to MAIL FROM): no message can go, whoever the
    recipient; a configuration problem, not a bounce."""
