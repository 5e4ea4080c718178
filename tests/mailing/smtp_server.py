"""A real SMTP server for the tests (aiosmtpd in a thread), with TLS from a throw-away CA."""

from __future__ import annotations

import socket
import ssl
from contextlib import contextmanager
from dataclasses import dataclass, field

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class Handler:
    """Stores what arrives; ``refuse`` maps a recipient to the reply it gets instead."""

    messages: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    # recipient -> how many more times it gets "451 try again later" before it is accepted
    temporary: dict[str, int] = field(default_factory=dict)
    refuse_sender: str = ""
    # recipient -> how many more times the end of data gets "421" (not accepted)
    closing_after_data: dict[str, int] = field(default_factory=dict)
    # recipient -> the reply its end of data gets instead of acceptance
    refuse_data: dict[str, str] = field(default_factory=dict)
    pipelining: bool = False  # advertise RFC 2920 PIPELINING (aiosmtpd reads line by line)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        session.host_name = hostname
        if self.pipelining:
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if self.refuse_sender:
            return self.refuse_sender
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        if self.temporary.get(address, 0) > 0:
            self.temporary[address] -= 1
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        first = envelope.rcpt_tos[0] if envelope.rcpt_tos else ""
        if self.closing_after_data.get(first, 0) > 0:
            self.closing_after_data[first] -= 1
            return "421 4.3.0 shutting down, message not accepted"
        if first in self.refuse_data:
            return self.refuse_data[first]
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    host: str
    port: int
    handler: Handler
    client_context: ssl.SSLContext | None = None


def _authenticator(users: dict[str, str]):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and users.get(auth_data.login.decode()) == auth_data.password.decode()
        )
        return AuthResult(success=ok, handled=False)

    return check


@contextmanager
def smtp_server(
    *, starttls: bool = False, implicit_tls: bool = False, users: dict[str, str] | None = None
):
    """Yields a Server; with TLS, ``client_context`` trusts the server's throw-away CA."""
    handler = Handler()
    kwargs: dict = {}
    client_context = None
    if starttls or implicit_tls:
        ca = trustme.CA()
        cert = ca.issue_cert("localhost", "127.0.0.1")
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(server_context)
        client_context = ssl.create_default_context()
        ca.configure_trust(client_context)
        if starttls:
            kwargs.update(tls_context=server_context, require_starttls=True)
        else:
            kwargs.update(ssl_context=server_context)
    if users is not None:
        kwargs.update(
            authenticator=_authenticator(users),
            auth_require_tls=starttls or implicit_tls,
            auth_exclude_mechanism=["LOGIN"],
        )
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield Server("127.0.0.1", port, handler, client_context)
    finally:
        controller.stop()
