"""What a message that came back to the return address is: a bounce (hard, soft or a delay
warning), an automatic reply, a challenge to prove we are human, a delivery report without a
failure, or none of these.

Bounces are recognised by GNU Mailman's detector, ``flufl.bounce`` (RFC 3464 delivery status
notifications and the common formats of its own: qmail, Exim, Exchange, Yahoo, ...). Ours is
only what the library does not give: the RFC 3464 ``Action`` and ``Status`` of each recipient
block, read with Python's ``email`` package, which decide hard (5.x.x) against soft (4.x.x), and
the signs of automatic replies (RFC 3834 ``Auto-Submitted``, ``X-Autoreply``, ``Precedence``,
out-of-office subjects in Dutch and English) and of challenge-response systems. Which of our
messages a bounce is about is not decided here: that is the return path's token
(``return_path``).

A permanent failure is a hard bounce of the address only by the rule of ``bounce_status``
(5.1.x, 5.2.1, or a permanent failure without any status); any other permanent failure (5.7.x
policy: DMARC, SPF, spam; 5.3.x and 5.4.x: the remote system or network; other codes) is
FAILED: the message did not arrive, the address is not marked.

Contract: :func:`classify` never raises for any bytes, and the :class:`Verdict`'s ``reason`` is
made of the status code and its meaning (``bounce_status.describe``) only: nothing the remote
server wrote, which may name the recipient, is kept.
"""

from __future__ import annotations

import email
import email.message
import logging
import re
from dataclasses import dataclass
from email.iterators import typed_subpart_iterator
from email.utils import parseaddr

from flufl.bounce import all_failures

from appliance.mailing import bounce_status

# The detectors log every step at INFO; nothing of a bounce belongs in the appliance's log.
logging.getLogger("flufl.bounce").setLevel(logging.WARNING)

HARD, SOFT, DELAYED, FAILED = "hard", "soft", "delayed", "failed"
AUTO_REPLY, CHALLENGE, REPORT, UNKNOWN = "auto_reply", "challenge", "report", "unknown"
# Kinds whose message is ours to settle and delete (UNKNOWN is left for a person to read).
HANDLED = (HARD, SOFT, DELAYED, FAILED, AUTO_REPLY, CHALLENGE, REPORT)

_STATUS = bounce_status.STATUS
_DAEMON = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)\b", re.IGNORECASE)
_OUT_OF_OFFICE = re.compile(
    r"(out of (the )?office|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|"
    r"on vacation|on holiday|away from (the )?office|afwezig|automatisch antwoord|"
    r"automatisch bericht|niet aanwezig|buiten kantoor|met vakantie|vakantie|"
    r"afwezigheidsbericht|automatische reactie|abwesenheit)",
    re.IGNORECASE,
)
_CHALLENGE = re.compile(
    r"(please (confirm|verify) (that )?you|verify your (e-?mail|message|address)|"
    r"sender verification|challenge[- ]response|confirm your (e-?mail|message)|"
    r"to deliver your (e-?mail|message).{0,40}(click|reply)|spam ?arrest|boxbe|"
    r"bevestig (uw|je) (e-?mail|bericht|adres)|verifieer (uw|je) (e-?mail|bericht|adres))",
    re.IGNORECASE | re.DOTALL,
)
_CHALLENGE_HEADERS = ("x-challenge", "x-boxbe-challenge", "x-spamarrest-challenge", "x-tmda")
_TEXT_SCAN = 20_000  # characters of text parts searched for signs (a bounce says it early)


@dataclass(frozen=True)
class Verdict:
    kind: str
    status: str = ""  # the enhanced status code (RFC 3463), when one was given
    reason: str = ""  # for staff: the status and its meaning (RFC 3463), nothing else


def _message(raw: bytes) -> email.message.Message:
    # compat32 (the default) is what flufl.bounce is written against.
    return email.message_from_bytes(raw)


def _header(msg: email.message.Message, name: str) -> str:
    value = msg.get(name, "")
    return " ".join(str(value).split())


def _permanent(status: str, smtp_code: int | None = None) -> str:
    """HARD or FAILED for a permanent failure with ``status`` ('' when none was given) and the
    reply code the recipient's server gave (RFC 3464 Diagnostic-Code), when there is one."""
    return HARD if bounce_status.address_failure(status, smtp_code) else FAILED


_SMTP_DIAGNOSTIC = re.compile(r"\s*smtp\s*;\s*([245]\d\d)\b", re.IGNORECASE)


def _smtp_code(diagnostic: str) -> int | None:
    """The reply code of an ``smtp;`` Diagnostic-Code (the words after it are not kept)."""
    match = _SMTP_DIAGNOSTIC.match(diagnostic)
    return int(match.group(1)) if match else None


def _status_blocks(msg: email.message.Message) -> list[tuple[str, str, int | None]]:
    """(action, status, SMTP reply code) of every recipient block of the message/delivery-status
    parts (RFC 3464), lowercased action; empty when the message has none."""
    blocks = []
    for part in typed_subpart_iterator(msg, "message", "delivery-status"):
        payload = part.get_payload()
        if not isinstance(payload, list):
            continue
        for block in payload[1:] if len(payload) > 1 else payload:
            action = _header(block, "Action").lower()
            status = _header(block, "Status")
            if not action and not status:
                continue
            code = _smtp_code(_header(block, "Diagnostic-Code"))
            blocks.append((action, bounce_status.find(status), code))
    return blocks


def _texts(msg: email.message.Message) -> str:
    """The subject and the text parts (not the returned message's own body), for signs."""
    out = [_header(msg, "Subject")]
    for part in msg.walk():
        if part.get_content_maintype() == "message":
            continue
        if part.get_content_type() in ("text/plain", "text/html") and not part.is_multipart():
            try:
                payload = part.get_payload(decode=True) or b""
            except (ValueError, LookupError):
                continue
            charset = part.get_content_charset() or "utf-8"
            try:
                out.append(payload.decode(charset, "replace"))
            except LookupError:
                out.append(payload.decode("utf-8", "replace"))
        if sum(map(len, out)) > _TEXT_SCAN:
            break
    return "\n".join(out)[:_TEXT_SCAN]


def _from_daemon(msg: email.message.Message) -> bool:
    sender = parseaddr(_header(msg, "From"))[1]
    return bool(_DAEMON.match(sender)) or "mailer-daemon" in _header(msg, "From").lower()


def _auto_reply(msg: email.message.Message) -> bool:
    """RFC 3834 and the headers vacation programs set, or an out-of-office subject."""
    submitted = _header(msg, "Auto-Submitted").lower()
    if submitted and submitted != "no" and "failure" not in submitted:
        return True
    if any(msg.get(name) for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply")):
        return True
    if _header(msg, "Precedence").lower() in ("auto_reply", "auto-reply"):
        return True
    if msg.get("X-MS-Exchange-Inbox-Rules-Loop") or msg.get("X-Vacation"):
        return True
    return bool(_OUT_OF_OFFICE.search(_header(msg, "Subject")))


def _challenge(msg: email.message.Message, text: str) -> bool:
    if any(msg.get(name) for name in _CHALLENGE_HEADERS):
        return True
    return bool(_CHALLENGE.search(text))


def _from_blocks(blocks: list[tuple[str, str, int | None]]) -> Verdict | None:
    """The verdict of RFC 3464 recipient blocks: a final failure with 5.x.x (or without a
    status) is HARD or FAILED (``_permanent``), with 4.x.x SOFT; a delay warning is DELAYED;
    success only is REPORT."""
    failed = [b for b in blocks if b[0].startswith(("failed", "error"))]
    if failed:
        permanent = [b for b in failed if not b[1].startswith("4")]
        if permanent:
            # An address failure among them decides: that is what the recipient's server said.
            kinds = [(_permanent(status, code), status) for _action, status, code in permanent]
            kind, status = next((k for k in kinds if k[0] == HARD), kinds[0])
            return Verdict(kind, status, bounce_status.describe(status))
        status = failed[0][1]
        return Verdict(SOFT, status, bounce_status.describe(status))
    delayed = [b for b in blocks if b[0].startswith("delayed")]
    if delayed:
        status = delayed[0][1]
        return Verdict(DELAYED, status, bounce_status.describe(status))
    if blocks:
        return Verdict(REPORT)
    return None


def _from_library(msg: email.message.Message, text: str) -> Verdict | None:
    """flufl.bounce's verdict (permanent or temporary failures), with the status code the text
    gives where the library gives addresses only."""
    try:
        temporary, permanent = all_failures(msg)
    except Exception:  # noqa: BLE001 - a detector choking on odd mail: not a bounce we know
        return None
    if not temporary and not permanent:
        return None
    codes = [m.group(0) for m in _STATUS.finditer(text)]
    status = next((c for c in codes if c[0] in "45"), "")
    reason = bounce_status.describe(status)
    if permanent:
        # A final failure whose only code is 4.x.x (mailbox full, given up on) is soft.
        if status.startswith("4") and not any(c.startswith("5") for c in codes):
            return Verdict(SOFT, status, reason)
        status = next((c for c in codes if c[0] == "5"), "")
        return Verdict(_permanent(status), status, bounce_status.describe(status))
    return Verdict(DELAYED, status, reason)


def classify(raw: bytes) -> Verdict:
    """What the message ``raw`` is (see the module's docstring); UNKNOWN for anything else."""
    try:
        msg = _message(raw)
        blocks = _status_blocks(msg)
        verdict = _from_blocks(blocks)
        if verdict is not None:
            return verdict
        text = _texts(msg)
        daemon = _from_daemon(msg) or bool(msg.get("X-Failed-Recipients"))
        if not daemon and _auto_reply(msg):
            return Verdict(AUTO_REPLY)
        if not daemon and _challenge(msg, text):
            return Verdict(CHALLENGE)
        verdict = _from_library(msg, text)
        if verdict is not None:
            return verdict
        if _auto_reply(msg):
            return Verdict(AUTO_REPLY)
    except Exception:  # noqa: BLE001 - mail from outside may be anything: leave it alone
        return Verdict(UNKNOWN)
    return Verdict(UNKNOWN)
