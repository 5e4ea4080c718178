"""The admin's "send test message": one plain message through the configured transport."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from appliance.mailing.transport import FileTransport, SmtpTransport


def build(sender: str, recipient: str, organisation: str, describe: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = f"Testbericht / test message – {organisation or 'enquête-appliance'}"
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    message.set_content(
        "Dit is een testbericht van de enquête-appliance: de verbinding met de mailserver werkt.\n"
        "This is a test message from the survey appliance: the mail connection works.\n\n"
        f"Via: {describe}\n"
    )
    return message


def send(transport: FileTransport | SmtpTransport, sender: str, recipient: str, org: str) -> None:
    """Raises MailError (or a subclass) with a message an admin can act on."""
    message = build(sender, recipient, org, transport.describe())
    connection = transport.connect()
    try:
        connection.send(parseaddr(sender)[1], recipient, message.as_bytes())
    finally:
        connection.close()
