"""Getting a message to its recipient: through the company's SMTP relay, or into a file.

A transport opens connections; a connection sends many messages (SMTP connections are reused)
and says how each one went:
- it returns normally when the relay accepted the message (or the file was written);
- :class:`TemporaryFailure` for what may work later (4xx replies, a dropped connection): retry;
- :class:`PermanentFailure` for what will not (5xx replies): do not retry. Only its subclass
  :class:`RecipientRefused` (the relay refused the recipient at RCPT, by the rule of
  ``bounce_status.address_failure``) says the address is bad; a refusal at DATA or at the end
  of data, a 5.7.x policy denial and :class:`NotSendable` (refused here, before the relay was
  asked) fail the message only.
:class:`MailError` (the base) is also raised when a connection cannot be set up at all, with a
message an admin can act on: unreachable host, failed TLS, refused login. No message names a
recipient, so errors can be logged and shown as they are: a reply to a message is kept as its
code and the meaning of its status (``bounce_status.describe``), never the relay's words, which
may quote the recipient. The errors are defined in ``errors``.
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import socket
import ssl
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from appliance.i18n import N_
from appliance.mailing import bounce_status
from appliance.mailing.errors import (
    ConnectionLost,
    MailError,
    PermanentFailure,
    SenderRefused,
    TemporaryFailure,
)

MAIL_DIR = "mail"


class RecipientRefused(PermanentFailure):
    """The relay refused the recipient's address itself: a hard bounce of the address."""


class NotSendable(PermanentFailure):
    """Refused here, before the relay was asked (an address the relay cannot take)."""


def _problem(cls: type[MailError], text: str, reason: str, detail: str = "", **params: str):
    exc = cls(text)
    exc.reason, exc.detail, exc.params = reason, detail, params
    return exc


Handover = Callable[[], None]


def _nothing() -> None:
    pass


class Connection(Protocol):
    def send(
        self, sender: str, recipient: str, message: bytes, handover: Handover = _nothing
    ) -> None:
        """Send one message. ``handover`` is called at the last moment before the relay (or
        the file system) can accept it: after it, the message may be delivered even if this
        process dies before the reply arrives. The outbox journals the message there."""

    def close(self) -> None: ...


class FileTransport:
    """Every message becomes ``<data_dir>/mail/<day>/<time>-<random>.eml``, written whole or not
    at all (a temporary name, then a rename). The embedded default: try everything without a
    mail server, and read the messages with any mail program."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def describe(self) -> str:
        return f"files in {self.directory}"

    def connect(self) -> FileConnection:
        return FileConnection(self.directory)


def _envelope(sender: str) -> str:
    """An envelope sender fit for a header line: nothing that could end or break it."""
    return "".join(c for c in sender if c.isprintable() and c not in "<>\r\n ")


class FileConnection:
    def __init__(self, directory: Path):
        self.directory = directory

    def send(
        self, sender: str, recipient: str, message: bytes, handover: Handover = _nothing
    ) -> None:
        day = self.directory / time.strftime("%Y-%m-%d")
        try:
            day.mkdir(mode=0o700, parents=True, exist_ok=True)
            name = f"{time.strftime('%H%M%S')}-{uuid.uuid4().hex}.eml"
            partial = day / f".{name}.tmp"
            with partial.open("wb") as fh:
                # What a delivering server adds: the envelope sender, where bounces would go.
                fh.write(b"Return-Path: <%s>\r\n" % _envelope(sender).encode())
                fh.write(message)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(partial, 0o600)
            handover()
            os.replace(partial, day / name)
        except OSError as exc:
            raise TemporaryFailure(f"cannot write to {day}: {exc.strerror}") from None

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    security: str = "starttls"  # starttls / tls / none
    username: str = ""
    password: str = ""
    verify: bool = True
    timeout: float = 30.0
    # For tests and private CAs: a context to use instead of the system's trust store.
    context: ssl.SSLContext | None = None

    def describe(self) -> str:
        return f"SMTP relay {self.host}:{self.port} ({self.security})"

    def _context(self) -> ssl.SSLContext:
        return client_context(self.context, self.verify)

    def connect(self) -> SmtpConnection:
        """An open, secured and logged-in connection, or MailError saying what failed."""
        where = f"{self.host}:{self.port}"
        try:
            if self.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self._context()
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except ssl.SSLError as exc:
            raise _tls_failed(where, exc) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise _problem(
                MailError,
                f"cannot reach the relay at {where}: {_os_reason(exc)}",
                N_("The mail server at %(where)s cannot be reached."),
                _os_reason(exc),
                where=where,
            ) from None
        try:
            if self.security == "starttls":
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise _problem(
                        MailError,
                        f"{where} does not offer STARTTLS; the connection stays closed",
                        N_(
                            "The mail server at %(where)s does not offer STARTTLS; nothing was"
                            " sent. Choose another security setting, or ask for STARTTLS."
                        ),
                        where=where,
                    )
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password)
            connection = SmtpConnection(smtp)
        except ssl.SSLError as exc:
            _quietly_close(smtp)
            raise _tls_failed(where, exc) from None
        except smtplib.SMTPAuthenticationError as exc:
            _quietly_close(smtp)
            raise _problem(
                MailError,
                f"{where} refused the login for {self.username!r}: {_reply(exc)}",
                N_("The mail server at %(where)s refused the login for %(user)s."),
                _reply(exc),
                where=where,
                user=self.username,
            ) from None
        except smtplib.SMTPNotSupportedError:
            _quietly_close(smtp)
            raise _problem(
                MailError,
                f"{where} does not accept a login on this connection",
                N_("The mail server at %(where)s does not accept a login on this connection."),
                where=where,
            ) from None
        except MailError:
            _quietly_close(smtp)
            raise
        except (OSError, smtplib.SMTPException) as exc:
            _quietly_close(smtp)
            raise _problem(
                MailError,
                f"the relay at {where} broke off: {_os_reason(exc)}",
                N_("The mail server at %(where)s broke off the connection."),
                _os_reason(exc),
                where=where,
            ) from None
        # The end of data goes in a write of its own (see SmtpConnection.send); without
        # TCP_NODELAY, Nagle's algorithm would hold it back for a delayed ACK (~40 ms).
        with contextlib.suppress(OSError, AttributeError):
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection


class SmtpConnection:
    def __init__(self, smtp: smtplib.SMTP):
        self.smtp = smtp
        smtp.ehlo_or_helo_if_needed()
        # RFC 2920: MAIL, RCPT and DATA in one write, their replies read after; saves two
        # round trips a message on relays that offer it (Postfix does).
        self.pipelining = smtp.has_extn("pipelining")
        self.utf8 = smtp.has_extn("smtputf8")

    def send(
        self, sender: str, recipient: str, message: bytes, handover: Handover = _nothing
    ) -> None:
        """One SMTP transaction (MAIL, RCPT, DATA), as ``smtplib.sendmail`` does it, except that
        the end of data (the final ".") goes only after ``handover``: before that line the relay
        discards the message if the connection drops. Addresses come validated from the
        contacts import, so they are not parsed again here."""
        smtp = self.smtp
        ended = False  # whether the end of data went out
        try:
            if not (sender + recipient).isascii():
                if not self.utf8:
                    raise NotSendable("the relay does not accept non-ASCII addresses", 553)
                mail = f"FROM:<{sender}> SMTPUTF8"
            else:
                mail = f"FROM:<{sender}>"
            sock = smtp.sock
            if sock is None:
                raise smtplib.SMTPServerDisconnected("not connected")
            if self.pipelining:
                sock.sendall(f"MAIL {mail}\r\nRCPT TO:<{recipient}>\r\nDATA\r\n".encode())
                replies = [self._reply() for _ in range(3)]
            else:
                replies = []
                for command in (f"MAIL {mail}", f"RCPT TO:<{recipient}>", "DATA"):
                    sock.sendall(f"{command}\r\n".encode())
                    replies.append(self._reply())
                    if replies[-1][0] not in (250, 251, 354):
                        break
            self._check(replies)
            data = _DOT.sub(b"..", message)
            if not data.endswith(b"\r\n"):
                data += b"\r\n"
            sock.sendall(data)
            handover()
            sock.sendall(b".\r\n")
            ended = True
            code, reply = self._reply()
        except smtplib.SMTPResponseException as exc:
            raise _by_code(exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise ConnectionLost(f"the connection dropped: {_os_reason(exc)}", ended) from None
        if code != 250:
            # A reply, even 421, says the relay did not take the message: safe to retry.
            raise _by_code(code, reply)

    def _reply(self) -> tuple[int, bytes]:
        """One (possibly multi-line) reply; what ``smtplib.getreply`` does, with less work:
        a campaign reads four replies a message."""
        file = self.smtp.file
        if file is None:
            file = self.smtp.file = self.smtp.sock.makefile("rb")
        lines = []
        while True:
            line = file.readline(_MAX_LINE)
            if not line:
                self.smtp.close()
                raise smtplib.SMTPServerDisconnected("the connection closed")
            lines.append(line[4:].strip())
            if line[3:4] != b"-":
                break
        try:
            code = int(line[:3])
        except ValueError:
            code = -1
        return code, b"\n".join(lines)

    def _check(self, replies: list[tuple[int, bytes]]) -> None:
        """Raise for the first refused step of MAIL, RCPT, DATA (after a reset)."""
        wanted = ((250,), (250, 251), (354,))
        for step, (code, reply) in enumerate(replies):
            if code in wanted[step]:
                continue
            if len(replies) == 3 and replies[2][0] == 354:
                # A pipelined DATA went ahead although an earlier step failed: end it empty.
                self.smtp.sock.sendall(b".\r\n")
                self._reply()
            self._reset()
            if step == 0 and 500 <= code < 600:
                raise _problem(
                    SenderRefused,
                    f"the relay refuses the sender address: {code} {_text(reply)}",
                    N_("The mail server refuses the sender address (Settings)."),
                    f"{code} {_text(reply)}",
                )
            raise _by_code(code, reply, recipient_step=step == 1)

    def _reset(self) -> None:
        # If this fails, the next message finds the connection dropped and reconnects.
        with contextlib.suppress(OSError, smtplib.SMTPException):
            self.smtp.rset()

    def close(self) -> None:
        _quietly_close(self.smtp)


_MAX_LINE = 8193
# Dot-stuffing (RFC 5321 4.5.2): a line starting with "." gets a second one.
_DOT = re.compile(rb"(?m)^\.")


# What a reply code says when the reply gives no enhanced status (RFC 5321 4.2.3).
_REPLY_MEANING = {
    421: "service not available",
    450: "mailbox unavailable",
    451: "local error in processing",
    452: "insufficient system storage",
    550: "mailbox unavailable",
    551: "user not local",
    552: "exceeded storage allocation",
    553: "mailbox name not allowed",
    554: "transaction failed",
}


def reply_reason(code: int, text: bytes | str) -> str:
    """A relay's reply as kept: its code and the meaning of its enhanced status (or of the
    code), without the relay's own words."""
    status = bounce_status.find(_text(text))
    if status and status[0] == str(code)[:1]:
        return f"{code} {bounce_status.describe(status)}"
    return f"{code} {_REPLY_MEANING.get(code, 'refused' if code >= 500 else 'not accepted')}"


def _by_code(code: int, text: bytes | str, recipient_step: bool = False) -> MailError:
    reason = reply_reason(code, text)
    if 500 <= code < 600:
        status = bounce_status.find(_text(text))
        if recipient_step and bounce_status.address_failure(status, code):
            return RecipientRefused(f"recipient refused: {reason}", code)
        return PermanentFailure(f"refused: {reason}", code)
    if code == 421 or code < 0:  # closing, or smtplib's -1 for a connection that went away
        return ConnectionLost(f"the relay closed the connection: {reason}")
    return TemporaryFailure(f"not accepted for now: {reason}")


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())[:200]


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}"


def _tls_failed(where: str, exc: ssl.SSLError) -> MailError:
    return _problem(
        MailError,
        f"TLS with {where} failed: {_ssl_reason(exc)}",
        N_("A secure (TLS) connection with the mail server at %(where)s failed."),
        _ssl_reason(exc),
        where=where,
    )


def _ssl_reason(exc: ssl.SSLError) -> str:
    return getattr(exc, "verify_message", None) or exc.reason or str(exc)


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer in time"
    if isinstance(exc, socket.gaierror):
        return "unknown host name"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def client_context(given: ssl.SSLContext | None, verify: bool) -> ssl.SSLContext:
    """The TLS context of a connection to a mail server: ``given`` (tests, private CAs), else
    the system's trust store, checking certificate and host name unless ``verify`` is off."""
    if given is not None:
        return given
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def from_settings(values: Mapping[str, Any]) -> FileTransport | SmtpTransport:
    if values["mail_transport"] == "smtp":
        return SmtpTransport(
            host=values["smtp_host"],
            port=values["smtp_port"],
            security=values["smtp_security"],
            username=values["smtp_username"],
            password=values["smtp_password"],
            verify=values["smtp_verify_certificate"],
            timeout=values["smtp_timeout_seconds"],
        )
    return FileTransport(Path(values["data_dir"]) / MAIL_DIR)
