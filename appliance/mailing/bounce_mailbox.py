"""The return mailbox, read and emptied: over IMAPS, or a Maildir on this server.

Both readers give the messages not examined before as (key, bytes), at most ``limit`` of them,
oldest first, without changing them (IMAP: ``BODY.PEEK[]``, so a message left alone stays unread
for a person); a message over :data:`MAX_BYTES` comes as (key, None), never downloaded. So mail
that is left alone (a person's, or anyone's flood of it) never blocks later bounces and is read
once, not at every reading:

- IMAP remembers the UIDVALIDITY and the highest UID examined (:attr:`ImapMailbox.position`,
  kept by the caller with the last reading, with the UIDs of ours left flagged, below) and
  searches ``UID <last+1>:*``; a new UIDVALIDITY starts over. Sizes come first
  (``RFC822.SIZE``), then each small message whole.
- Maildir reads ``new/`` only; what is left alone is moved to ``cur/`` (without the "seen"
  flag: it stays unread for a person's mail program).

Deleting: IMAP ``UID STORE +FLAGS (\\Deleted)``, then ``UID EXPUNGE`` where the server offers
UIDPLUS (asked after the login: Dovecot and Gmail announce it only then), so only ours go.
Without UIDPLUS a plain ``EXPUNGE`` would also remove what a person flagged for deletion: it is
sent only when ``UID SEARCH DELETED`` finds none but ours; else ours stay flagged (the caller is
told how many) until the person's own mail program expunges. Maildir: the file is removed.

IMAP is spoken only over TLS from the first byte (IMAPS, ``IMAP4_SSL``), with the certificate
and host name checked unless ``verify`` is off: a password never crosses the network in the
clear, and there is no STARTTLS step to strip. Every failure is a :class:`MailboxError` whose
message an admin can act on; none names a contact.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import re
import socket
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from appliance.i18n import N_
from appliance.mailing import transport
from appliance.mailing.errors import MailError


class MailboxError(MailError):
    """The mailbox cannot be read now. ``reason`` is a msgid with ``params``; ``detail`` the
    server's or system's own words (no contact's address is ever in them)."""

    def __init__(self, text: str, reason: str, detail: str = "", **params: str):
        super().__init__(text)
        self.reason, self.detail, self.params = reason, detail, params


# Larger messages are left alone unread: a bounce of an invitation is a few kilobytes.
MAX_BYTES = 1_000_000


class Mailbox(Protocol):
    position: str  # where the reading stopped, to give the next one (IMAP; '' for Maildir)

    def messages(self, limit: int, position: str = "") -> Iterator[tuple[str, bytes | None]]: ...

    def leave(self, keys: list[str]) -> None: ...

    def delete(self, keys: list[str]) -> int: ...

    def close(self) -> None: ...


def _words(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer in time"
    if isinstance(exc, socket.gaierror):
        return "unknown host name"
    if isinstance(exc, ssl.SSLError):
        return getattr(exc, "verify_message", None) or exc.reason or str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(str(text).split())[:200] or type(exc).__name__


@dataclass
class ImapMailbox:
    host: str
    port: int
    username: str
    password: str
    folder: str = "INBOX"
    verify: bool = True
    timeout: float = 30.0
    # For tests and private CAs: a context to use instead of the system's trust store.
    context: ssl.SSLContext | None = None

    def __post_init__(self):
        self.imap: imaplib.IMAP4_SSL | None = None
        self.where = f"{self.host}:{self.port}"
        self.capabilities: set[str] = set()
        self.uidvalidity = ""
        self.last_uid = 0
        # Ours, flagged for deletion but not expunged (no UIDPLUS, a person's mail flagged too).
        self.flagged: set[str] = set()

    @property
    def position(self) -> str:
        """ "UIDVALIDITY:last UID examined[:UIDs of ours only flagged]", for the next reading."""
        flagged = ":" + ",".join(sorted(self.flagged, key=int)) if self.flagged else ""
        return f"{self.uidvalidity}:{self.last_uid}{flagged}"

    def _context(self) -> ssl.SSLContext:
        return transport.client_context(self.context, self.verify)

    def open(self) -> ImapMailbox:
        where = self.where
        if not self.host or not self.username or not self.password:
            raise MailboxError(
                "the return mailbox needs a host, a login name and a password",
                N_("Give the IMAP server, login name and password of the return mailbox."),
            )
        try:
            self.imap = imaplib.IMAP4_SSL(
                self.host, self.port, ssl_context=self._context(), timeout=self.timeout
            )
        except ssl.SSLError as exc:
            raise MailboxError(
                f"TLS with {where} failed: {_words(exc)}",
                N_("A secure (TLS) connection with the IMAP server at %(where)s failed."),
                _words(exc),
                where=where,
            ) from None
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(
                f"cannot reach the IMAP server at {where}: {_words(exc)}",
                N_("The IMAP server at %(where)s cannot be reached."),
                _words(exc),
                where=where,
            ) from None
        try:
            self.imap.login(self.username, self.password)
        except (imaplib.IMAP4.error, OSError) as exc:
            self.close()
            raise MailboxError(
                f"{where} refused the login for {self.username!r}: {_words(exc)}",
                N_("The IMAP server at %(where)s refused the login for %(user)s."),
                _words(exc),
                where=where,
                user=self.username,
            ) from None
        # imaplib keeps the greeting's capabilities; servers announce UIDPLUS after the login.
        try:
            typ, data = self.imap.capability()
        except (imaplib.IMAP4.error, OSError):
            typ, data = "NO", []
        words = data[0] if typ == "OK" and data and isinstance(data[0], bytes) else b""
        self.capabilities = set(words.decode("ascii", "replace").upper().split())
        try:
            typ, data = self.imap.select(_quoted(self.folder))
        except (imaplib.IMAP4.error, OSError) as exc:
            typ, data = "NO", [str(exc).encode()]
        if typ != "OK":
            detail = _words(imaplib.IMAP4.error(data[0] if data else b""))
            self.close()
            raise MailboxError(
                f"folder {self.folder!r} cannot be opened at {where}: {detail}",
                N_("The folder %(folder)s of the return mailbox cannot be opened."),
                detail,
                folder=self.folder,
            )
        _typ, validity = self.imap.response("UIDVALIDITY")
        self.uidvalidity = (validity[0] or b"").decode("ascii", "replace") if validity else ""
        return self

    def _resume(self, position: str) -> None:
        validity, _, rest = position.partition(":")
        uid, _, flagged = rest.partition(":")
        if validity and validity == self.uidvalidity and uid.isdigit():
            self.last_uid = int(uid)
            self.flagged = {u for u in flagged.split(",") if u.isdigit()}
        else:  # first reading, or the server renumbered the folder: from the start
            self.last_uid, self.flagged = 0, set()

    def messages(self, limit: int, position: str = "") -> Iterator[tuple[str, bytes | None]]:
        imap = self._imap()
        self._resume(position)
        last = self.last_uid
        typ, data = imap.uid("SEARCH", None, "UID", f"{last + 1}:*")
        if typ != "OK":
            raise self._broke(data)
        # "n:*" names the highest UID even when it is below n.
        uids = sorted(u for u in map(int, (data[0] or b"").split()) if u > last)[:limit]
        if not uids:
            return
        typ, data = imap.uid("FETCH", ",".join(map(str, uids)), "(RFC822.SIZE)")
        if typ != "OK":
            raise self._broke(data)
        sizes = _sizes(data)
        for uid in uids:
            self.last_uid = uid
            size = sizes.get(uid)
            if size is None:
                continue  # expunged meanwhile
            if size > MAX_BYTES:
                yield str(uid), None
                continue
            typ, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
            if typ != "OK":
                raise self._broke(data)
            raw = next((item[1] for item in data if isinstance(item, tuple)), None)
            if raw is not None:
                yield str(uid), raw

    def leave(self, keys: list[str]) -> None:
        """Nothing to do: :attr:`position` is past them."""

    def delete(self, keys: list[str]) -> int:
        """Delete ``keys``; returns how many of ours stay flagged for deletion only (no
        UIDPLUS, and other messages are flagged too), 0 when all are gone."""
        if not keys and not self.flagged:
            return 0
        imap = self._imap()
        if keys:
            typ, data = imap.uid("STORE", ",".join(keys), "+FLAGS", r"(\Deleted)")
            if typ != "OK":
                raise self._broke(data)
        if "UIDPLUS" in self.capabilities:
            if keys:
                typ, data = imap.uid("EXPUNGE", ",".join(keys))
                if typ != "OK":
                    raise self._broke(data)
            return 0
        typ, data = imap.uid("SEARCH", None, "DELETED")
        if typ != "OK":
            raise self._broke(data)
        flagged = set((data[0] or b"").decode().split())
        ours = (set(keys) | self.flagged) & flagged
        if flagged - ours:
            self.flagged = ours  # an EXPUNGE would take a person's flagged mail with ours
            return len(ours)
        self.flagged = set()
        if ours:
            typ, data = imap.expunge()
            if typ != "OK":
                raise self._broke(data)
        return 0

    def close(self) -> None:
        if self.imap is None:
            return
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            self.imap.logout()
        self.imap = None

    def _imap(self) -> imaplib.IMAP4_SSL:
        if self.imap is None:
            raise RuntimeError("open the mailbox first")
        return self.imap

    def _broke(self, data) -> MailboxError:
        detail = _words(imaplib.IMAP4.error(data[0] if data else b""))
        return MailboxError(
            f"the IMAP server at {self.where} refused a command: {detail}",
            N_("The IMAP server at %(where)s broke off the reading of the return mailbox."),
            detail,
            where=self.where,
        )


_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")


def _sizes(data: list) -> dict[int, int]:
    """UID -> size of the answer lines of a ``UID FETCH (RFC822.SIZE)``."""
    out = {}
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        if not isinstance(line, bytes):
            continue
        uid, size = _UID.search(line), _SIZE.search(line)
        if uid and size:
            out[int(uid.group(1))] = int(size.group(1))
    return out


def _quoted(folder: str) -> str:
    """A folder name as an IMAP quoted string (imaplib sends arguments as they are)."""
    if re.fullmatch(r"[A-Za-z0-9._/-]+", folder):
        return folder
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class MaildirMailbox:
    path: str

    def __post_init__(self):
        self.position = ""
        self.opened = False

    def open(self) -> MaildirMailbox:
        where = self.path
        if not where or not (Path(where) / "new").is_dir() or not (Path(where) / "cur").is_dir():
            raise MailboxError(
                f"{where or '(empty)'} is not a Maildir",
                N_("%(path)s is not a Maildir (with new/ and cur/)."),
                path=where or "bounce_maildir",
            )
        self.opened = True
        return self

    def _failed(self, exc: OSError) -> MailboxError:
        return MailboxError(
            f"cannot read the Maildir {self.path}: {_words(exc)}",
            N_("The Maildir %(path)s cannot be read."),
            _words(exc),
            path=self.path,
        )

    def messages(self, limit: int, position: str = "") -> Iterator[tuple[str, bytes | None]]:
        new = self._dir("new")
        try:
            # Delivery names start with the time: sorted is oldest first.
            names = sorted(n for n in os.listdir(new) if not n.startswith("."))[:limit]
        except OSError as exc:
            raise self._failed(exc) from None
        for name in names:
            try:
                if (new / name).stat().st_size > MAX_BYTES:
                    yield name, None
                    continue
                raw = (new / name).read_bytes()
            except FileNotFoundError:
                continue  # taken away meanwhile (by a person's mail program)
            except OSError as exc:
                raise self._failed(exc) from None
            yield name, raw

    def leave(self, keys: list[str]) -> None:
        """Move ``keys`` to cur/, unflagged (still unread), so they are not read again."""
        new, cur = self._dir("new"), self._dir("cur")
        for name in keys:
            with contextlib.suppress(FileNotFoundError):
                os.rename(new / name, cur / (name if ":" in name else f"{name}:2,"))

    def delete(self, keys: list[str]) -> int:
        new = self._dir("new")
        for name in keys:
            try:
                os.remove(new / name)
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise MailboxError(
                    f"cannot delete in the Maildir {self.path}: {_words(exc)}",
                    N_("The appliance may not delete messages in the Maildir %(path)s."),
                    _words(exc),
                    path=self.path,
                ) from None
        return 0

    def close(self) -> None:
        self.opened = False

    def _dir(self, name: str) -> Path:
        if not self.opened:
            raise RuntimeError("open the mailbox first")
        return Path(self.path) / name


def from_settings(values: Mapping[str, Any]) -> ImapMailbox | MaildirMailbox | None:
    """The mailbox the settings name (not yet opened), or None when reading is off."""
    kind = values["bounce_mailbox"]
    if kind == "imap":
        return ImapMailbox(
            values["bounce_imap_host"],
            values["bounce_imap_port"],
            values["bounce_imap_username"],
            values["bounce_imap_password"],
            values["bounce_imap_folder"] or "INBOX",
            values["bounce_imap_verify_certificate"],
        )
    if kind == "maildir":
        return MaildirMailbox(values["bounce_maildir"])
    return None
