"""Transports against a real SMTP server: TLS verified for real, logins, 4xx and 5xx replies,
and the clear errors an admin sees when the relay cannot be used."""

from __future__ import annotations

import email

import pytest

from appliance.mailing.transport import (
    FileTransport,
    MailError,
    PermanentFailure,
    SenderRefused,
    SmtpTransport,
    TemporaryFailure,
)
from tests.mailing.smtp_server import free_port, smtp_server

MESSAGE = b"From: a@example.nl\r\nTo: b@example.nl\r\nSubject: hoi\r\n\r\nHallo\r\n"


def send_one(transport, recipient="b@example.nl"):
    connection = transport.connect()
    try:
        connection.send("a@example.nl", recipient, MESSAGE)
    finally:
        connection.close()


def test_the_file_transport_writes_whole_messages_a_mail_program_can_read(tmp_path):
    transport = FileTransport(tmp_path / "mail")
    connection = transport.connect()
    for _ in range(3):
        connection.send("a@example.nl", "b@example.nl", MESSAGE)
    files = sorted((tmp_path / "mail").rglob("*.eml"))
    assert len(files) == 3 and not list((tmp_path / "mail").rglob("*.tmp"))
    assert email.message_from_bytes(files[0].read_bytes())["Subject"] == "hoi"
    assert oct(files[0].stat().st_mode & 0o777) == "0o600"


def test_one_connection_carries_many_messages():
    with smtp_server() as server:
        connection = SmtpTransport(server.host, server.port, security="none").connect()
        for n in range(5):
            connection.send("a@example.nl", f"r{n}@example.nl", MESSAGE)
        connection.close()
        assert [m.recipients for m in server.handler.messages] == [
            [f"r{n}@example.nl"] for n in range(5)
        ]


def test_starttls_with_a_verified_certificate_and_a_login():
    with smtp_server(starttls=True, users={"enquete": "geheim"}) as server:
        send_one(
            SmtpTransport(
                server.host,
                server.port,
                username="enquete",
                password="geheim",
                context=server.client_context,
            )
        )
        assert len(server.handler.messages) == 1


def test_implicit_tls():
    with smtp_server(implicit_tls=True) as server:
        send_one(
            SmtpTransport(server.host, server.port, security="tls", context=server.client_context)
        )
        assert len(server.handler.messages) == 1


def test_an_untrusted_certificate_is_refused_unless_verification_is_off():
    with smtp_server(starttls=True) as server:
        with pytest.raises(MailError, match="TLS with .* failed: .*certificate"):
            send_one(SmtpTransport(server.host, server.port))
        assert server.handler.messages == []
        send_one(SmtpTransport(server.host, server.port, verify=False))
        assert len(server.handler.messages) == 1


def test_a_relay_without_starttls_is_not_used_in_the_clear():
    with smtp_server() as server:
        with pytest.raises(MailError, match="does not offer STARTTLS"):
            send_one(SmtpTransport(server.host, server.port, security="starttls"))
        assert server.handler.messages == []


def test_a_refused_login_says_so():
    with (
        smtp_server(starttls=True, users={"enquete": "geheim"}) as server,
        pytest.raises(MailError, match="refused the login for 'enquete': 535"),
    ):
        send_one(
            SmtpTransport(
                server.host,
                server.port,
                username="enquete",
                password="fout",
                context=server.client_context,
            )
        )


def test_an_unreachable_relay_says_so():
    with pytest.raises(MailError, match=r"cannot reach the relay at 127\.0\.0\.1:\d+"):
        send_one(SmtpTransport("127.0.0.1", free_port(), security="none", timeout=5))
    with pytest.raises(MailError, match="unknown host name"):
        send_one(SmtpTransport("relay.invalid", 25, security="none", timeout=5))


@pytest.mark.parametrize("pipelining", [False, True], ids=["one by one", "pipelined"])
def test_5xx_is_permanent_and_4xx_temporary(pipelining):
    with smtp_server() as server:
        server.handler.pipelining = pipelining
        server.handler.refuse = {
            "weg@example.nl": "550 5.1.1 No such user",
            "vol@example.nl": "452 4.2.2 Mailbox full",
        }
        connection = SmtpTransport(server.host, server.port, security="none").connect()
        assert connection.pipelining is pipelining
        with pytest.raises(PermanentFailure, match="550") as bounced:
            connection.send("a@example.nl", "weg@example.nl", MESSAGE)
        assert bounced.value.code == 550
        with pytest.raises(TemporaryFailure, match="452"):
            connection.send("a@example.nl", "vol@example.nl", MESSAGE)
        # The connection is still good for the next message.
        connection.send("a@example.nl", "ok@example.nl", MESSAGE)
        connection.close()
        assert [m.recipients for m in server.handler.messages] == [["ok@example.nl"]]
        # Neither error message names the recipient (they are logged and shown as they are).
        assert "weg@" not in str(bounced.value)


@pytest.mark.parametrize("pipelining", [False, True], ids=["one by one", "pipelined"])
def test_a_refused_sender_is_told_apart_from_a_bounce(pipelining):
    with smtp_server() as server:
        server.handler.pipelining = pipelining
        server.handler.refuse_sender = "553 5.7.1 Sender address rejected"
        connection = SmtpTransport(server.host, server.port, security="none").connect()
        with pytest.raises(SenderRefused, match="553"):
            connection.send("a@example.nl", "b@example.nl", MESSAGE)
        server.handler.refuse_sender = ""
        connection.send("a@example.nl", "b@example.nl", MESSAGE)  # still usable
        connection.close()
        assert len(server.handler.messages) == 1


def test_lines_starting_with_a_dot_arrive_intact():
    body = b"Subject: dots\r\n\r\n.alleen\r\n..twee\r\n.\r\nslot"
    with smtp_server() as server:
        connection = SmtpTransport(server.host, server.port, security="none").connect()
        connection.send("a@example.nl", "b@example.nl", body)
        connection.close()
        received = server.handler.messages[0].data
        assert received.endswith(b"\r\n\r\n.alleen\r\n..twee\r\n.\r\nslot\r\n")
