"""The settings of sending mail (the transport, the SMTP relay, the sender, the pace and retries,
DKIM, the unsubscribe address) and of the return path and the mailbox bounces are read from."""

from __future__ import annotations

from appliance import setting_checks as checks
from appliance.i18n import N_
from appliance.mailing.return_path import BOUNCE_ADDRESS
from appliance.settings.declaration import Setting


def _check_bounce_address(value: str) -> str | None:
    """Empty, or a bare address whose local part has no "+" of its own (the return path adds
    one) and needs no quoting, so every return path made of it is safe in SMTP and headers."""
    if value == "" or BOUNCE_ADDRESS.fullmatch(value):
        return None
    return 'must be a bare address of letters, digits, ".", "_" or "-", e.g. bounces@voorbeeld.nl'


MAIL: tuple[Setting, ...] = (
    Setting(
        "mail_transport",
        "file",
        N_(
            'Where mail goes: "file" writes every message as an .eml file under '
            '<data_dir>/mail (try the appliance without a mail server); "smtp" sends through the '
            "company's relay below."
        ),
        choices=("file", "smtp"),
        editable=True,
    ),
    Setting(
        "smtp_host",
        "",
        N_("Host name of the company's SMTP relay (required for smtp)."),
        editable=True,
    ),
    Setting(
        "smtp_port",
        587,
        N_("Port of the SMTP relay (587 STARTTLS, 465 TLS, 25)."),
        int,
        1,
        65535,
        editable=True,
    ),
    Setting(
        "smtp_security",
        "starttls",
        N_(
            "starttls: upgrade the connection before anything is sent; tls: implicit TLS from the "
            "start (port 465); none: plain, only for a relay on this machine or a trusted network."
        ),
        choices=("starttls", "tls", "none"),
        editable=True,
    ),
    Setting(
        "smtp_verify_certificate",
        True,
        N_(
            "Check the relay's TLS certificate and host name. Turn off only for a relay with a "
            "self-signed certificate on a trusted network."
        ),
        bool,
    ),
    Setting("smtp_username", "", N_("Login name at the relay, if it asks for one."), editable=True),
    Setting(
        "smtp_password",
        "",
        N_(
            "Password for smtp_username. Prefer the APPLIANCE_SMTP_PASSWORD environment variable "
            "(e.g. a systemd credential) to writing it in a file."
        ),
        editable=True,
        secret=True,
    ),
    Setting(
        "smtp_timeout_seconds",
        30,
        N_("Give up on an unresponsive relay after this long."),
        int,
        1,
        600,
    ),
    Setting(
        "mail_from",
        "",
        N_(
            'Sender of invitations, e.g. "Klantenservice Voorbeeld BV <enquete@voorbeeld.nl>". '
            "Required before anything is sent."
        ),
        check=checks.check_mail_address,
        editable=True,
    ),
    Setting(
        "mail_reply_to",
        "",
        N_("Optional Reply-To address of invitations."),
        check=checks.check_mail_address,
        editable=True,
    ),
    Setting(
        "mail_connections",
        4,
        N_("Parallel connections to the relay while a campaign is sent."),
        int,
        1,
        16,
    ),
    Setting(
        "mail_per_minute",
        0,
        N_("At most this many messages a minute to the relay (0: no limit), so it is not flooded."),
        int,
        0,
        1_000_000,
    ),
    Setting(
        "mail_retry_seconds",
        120,
        N_(
            "After a temporary refusal (4xx, dropped connection) try a message again after this "
            "long, doubling each time."
        ),
        int,
        1,
        86_400,
    ),
    Setting(
        "mail_max_attempts",
        8,
        N_("Give a message up as failed after this many temporary refusals."),
        int,
        1,
        30,
    ),
    Setting(
        "dkim_key_file",
        "",
        N_(
            "Optional: a PEM RSA private key to DKIM-sign invitations with, for a relay that does "
            "not sign. Empty: no signature (the relay may sign)."
        ),
        check=checks.check_dkim_key,
    ),
    Setting(
        "dkim_selector",
        "enquete",
        N_("DKIM selector: the public key is published at <selector>._domainkey.<domain>."),
    ),
    Setting(
        "dkim_domain",
        "",
        N_("DKIM signing domain (d=). Empty: the domain of mail_from."),
    ),
    Setting(
        "unsubscribe_mailto",
        "",
        N_(
            "Optional address for mailto: unsubscribe requests, added to the List-Unsubscribe "
            "header beside the https link."
        ),
        check=checks.check_mail_address,
    ),
    # ---- bounces: the return path and the mailbox it is read from (see docs/operations.md) ----
    Setting(
        "bounce_address",
        "",
        N_(
            "Address bounces come back to, e.g. bounces@voorbeeld.nl: each message goes out with "
            'its own return path bounces+<code>@voorbeeld.nl (the relay must deliver "+" '
            "addresses to it). Empty: the return path is the address of mail_from."
        ),
        check=_check_bounce_address,
        editable=True,
    ),
    Setting(
        "bounce_mailbox",
        "off",
        N_(
            'Where bounces are read: "imap" (the mailbox of bounce_address over IMAPS), '
            '"maildir" (a Maildir on this server, bounce_maildir) or "off".'
        ),
        choices=("off", "imap", "maildir"),
        editable=True,
    ),
    Setting(
        "bounce_imap_host", "", N_("Host name of the IMAP server (IMAPS only)."), editable=True
    ),
    Setting(
        "bounce_imap_port",
        993,
        N_("Port of the IMAP server (IMAPS, TLS from the start)."),
        int,
        1,
        65535,
        editable=True,
    ),
    Setting("bounce_imap_username", "", N_("Login name of the return mailbox."), editable=True),
    Setting(
        "bounce_imap_password",
        "",
        N_(
            "Password of the return mailbox. Prefer the APPLIANCE_BOUNCE_IMAP_PASSWORD "
            "environment variable, or set it under Settings (stored encrypted)."
        ),
        editable=True,
        secret=True,
    ),
    Setting(
        "bounce_imap_folder", "INBOX", N_("Folder of the return mailbox to read."), editable=True
    ),
    Setting(
        "bounce_imap_verify_certificate",
        True,
        N_(
            "Check the IMAP server's TLS certificate and host name. Turn off only for a server "
            "with a self-signed certificate on a trusted network."
        ),
        bool,
        editable=True,
    ),
    Setting(
        "bounce_maildir",
        "",
        N_(
            "Maildir directory the return address is delivered to on this server (e.g. by "
            'Postfix), for bounce_mailbox = "maildir"; the appliance\'s user reads and deletes '
            "in it."
        ),
    ),
    Setting(
        "bounce_check_minutes",
        10,
        N_("Read the return mailbox every this many minutes."),
        int,
        1,
        1440,
        editable=True,
    ),
)
