"""Invitation messages: staff templates in a sandbox, rendered fast, with safe headers.

Staff write a subject, an HTML and a plain-text part per language, with placeholders such as
``{{ salutation }}`` and ``{{ survey_link }}``. Templates run in Jinja2's sandbox: staff text can
use the placeholders (and simple filters) but never reach Python objects. A template is checked
when it is saved: unknown placeholders are named.

Building a message with ``email.message.EmailMessage`` costs over a millisecond; a campaign
renders tens of thousands, so :class:`Prepared` compiles the templates and the fixed headers once
and :meth:`Prepared.render` only fills in one contact's values. The result is a plain
multipart/alternative message in UTF-8 with quoted-printable parts.

Header safety: every header value is cleared of control characters (no CR/LF can start a new
header), and a subject that is not plain ASCII text, or that contains an encoded-word marker
(``=?``), is sent as one RFC 2047 encoded word, so a name like ``=?UTF-8?Q?=0A?=`` arrives as that
literal text and is never decoded into a line break.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate, parseaddr

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape

from appliance.i18n import N_

PLACEHOLDERS = (
    "salutation",
    "first_name",
    "last_name",
    "survey_link",
    "unsubscribe_link",
    "organisation",
    "close_date",
    "survey_title",
)
PARTS = ("subject", "html", "text")
_SAMPLE = {name: f"[{name}]" for name in PLACEHOLDERS}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_SUBJECT = 250


class TemplateProblem(ValueError):
    """``part`` is subject/html/text; ``reason`` a msgid; ``detail`` the offending name or line."""

    def __init__(self, part: str, reason: str, detail: str = ""):
        super().__init__(f"{part}: {reason} {detail}".strip())
        self.part, self.reason, self.detail = part, reason, detail


def _environment(autoescape: bool) -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=autoescape, undefined=StrictUndefined)


_TEXT_ENV = _environment(autoescape=False)
_HTML_ENV = _environment(autoescape=True)


def check(parts: Mapping[str, str]) -> None:
    """Raise TemplateProblem for a template that does not parse, uses an unknown placeholder,
    or has no survey link in both bodies."""
    for part in PARTS:
        source = parts.get(part, "")
        env = _HTML_ENV if part == "html" else _TEXT_ENV
        try:
            names = meta.find_undeclared_variables(env.parse(source))
        except TemplateSyntaxError as exc:
            raise TemplateProblem(
                part, N_("the template does not parse"), exc.message or ""
            ) from None
        unknown = sorted(names - set(PLACEHOLDERS))
        if unknown:
            raise TemplateProblem(part, N_("unknown placeholder"), ", ".join(unknown))
        if part != "subject" and "survey_link" not in names:
            raise TemplateProblem(part, N_("the survey link is missing"), "{{ survey_link }}")
        try:  # a trial run: sandbox refusals and type errors show now, not mid-campaign
            env.from_string(source).render(_SAMPLE)
        except (UndefinedError, SecurityError, TypeError, ValueError, ArithmeticError) as exc:
            raise TemplateProblem(part, N_("the template cannot be filled in"), str(exc)) from None
    if not parts.get("subject", "").strip():
        raise TemplateProblem("subject", N_("the subject is empty"))


def header_text(value: str) -> str:
    """A header value with no way to start another header: control characters become spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())


def encode_header(value: str) -> str:
    value = header_text(value)
    if value.isascii() and "=?" not in value and len(value) < 900:
        return value
    # One encoded word per chunk of whole characters, each line within the 76-character limit.
    words, chunk = [], ""
    for char in value:
        if len((chunk + char).encode()) > 45:
            words.append(chunk)
            chunk = ""
        chunk += char
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w.encode()).decode()}?=" for w in words if w)


def _qp(text: str) -> bytes:
    """Quoted-printable with CRLF line ends, in one call into C: given CRLF line ends,
    ``b2a_qp`` keeps them and writes its soft line breaks as "=\\r\\n" too."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" not in text:
        return binascii.b2a_qp(text.encode()).replace(b"=\n", b"=\r\n")
    return binascii.b2a_qp(text.replace("\n", "\r\n").encode())


_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def _address(value: str) -> str:
    """An address header value: display name encoded when needed, address checked."""
    if _PLAIN_ADDRESS.fullmatch(value):
        return value  # a bare address of safe characters (the common case): nothing to parse
    name, address = parseaddr(header_text(value))
    if "@" not in address or any(c in address for c in ' <>,;"'):
        raise ValueError("not a usable address")
    if not name:
        return address
    if name.isascii() and not re.search(r'[()<>@,;:\\".\[\]]', name):
        return f"{name} <{address}>"
    return f"{encode_header(name)} <{address}>"


_GLOBALS = dict(_TEXT_ENV.globals)
_DATES: dict[int, str] = {}


def _date() -> str:
    """The Date header value, formatted once a second."""
    now = int(time.time())
    value = _DATES.get(now)
    if value is None:
        _DATES.clear()
        value = _DATES[now] = formatdate(now, localtime=True)
    return value


def _one_stop(text: str, name: str) -> str:
    """A name ending in a full stop ("Voorbeeld B.V.") at the end of a sentence gets one full
    stop, not two ("B.V.."), whether the sentence is the shipped template's or staff's own."""
    return text.replace(name + ".", name)


def _fill(template, values: dict) -> str:
    """``template.render(values)`` without merging the globals into a new dict three times per
    message: ``values`` already holds them (a third of the rendering time otherwise)."""
    return "".join(template.root_render_func(template.new_context(values, shared=True)))


@dataclass(frozen=True)
class Rendered:
    message_id: str
    data: bytes


class Prepared:
    """One template in one language, ready to render many messages.

    ``sender`` and ``reply_to`` are "Name <address>" values; ``unsubscribe_mailto`` an optional
    address for mailto: unsubscribe requests."""

    def __init__(
        self,
        parts: Mapping[str, str],
        sender: str,
        reply_to: str = "",
        unsubscribe_mailto: str = "",
    ):
        check(parts)
        self.subject = _TEXT_ENV.from_string(parts["subject"])
        # Subjects mostly name the organisation or survey only: render each variant once.
        self.subject_names = tuple(
            sorted(meta.find_undeclared_variables(_TEXT_ENV.parse(parts["subject"])))
        )
        self.subjects: dict[tuple, str] = {}
        self.text = _TEXT_ENV.from_string(parts["text"])
        self.html = _HTML_ENV.from_string(parts["html"])
        self.envelope_from = parseaddr(sender)[1]
        self.domain = self.envelope_from.rpartition("@")[2] or "localhost"
        fixed = [f"From: {_address(sender)}"]
        if reply_to:
            fixed.append(f"Reply-To: {_address(reply_to)}")
        fixed += ["MIME-Version: 1.0", "Auto-Submitted: auto-generated"]
        self.fixed = "\r\n".join(fixed)
        self.mailto = parseaddr(unsubscribe_mailto)[1] if unsubscribe_mailto else ""

    def _subject(self, values: dict) -> str:
        key = tuple(values.get(name) for name in self.subject_names)
        subject = self.subjects.get(key)
        if subject is None:
            if len(self.subjects) > 10_000:
                self.subjects.clear()
            subject = self.subjects[key] = _fill(self.subject, values)[:MAX_SUBJECT]
        return subject

    def render(self, recipient: str, values: Mapping[str, str]) -> Rendered:
        """The whole message for one recipient. ``values`` holds every placeholder; the
        unsubscribe link goes into the List-Unsubscribe header too (RFC 8058 one-click)."""
        values = {**_GLOBALS, **values}
        try:
            subject = self._subject(values)
            text = _fill(self.text, values)
            html = _fill(self.html, values)
        except (UndefinedError, SecurityError, TypeError, ValueError, ArithmeticError) as exc:
            raise TemplateProblem(
                "template", N_("the template cannot be filled in"), str(exc)
            ) from None
        name = values.get("organisation") or ""
        if name.endswith("."):  # "satisfied with {{ organisation }}." and "Voorbeeld B.V."
            subject, text = _one_stop(subject, name), _one_stop(text, name)
            html = _one_stop(html, str(escape(name)))
        unique = secrets.token_hex(16)
        message_id = f"<{unique}@{self.domain}>"
        boundary = f"=_{unique}"
        unsubscribe = f"<{header_text(values['unsubscribe_link'])}>"
        if self.mailto:
            unsubscribe += f", <mailto:{self.mailto}?subject=unsubscribe>"
        head = (
            f"{self.fixed}\r\n"
            f"To: {_address(recipient)}\r\n"
            f"Subject: {encode_header(subject)}\r\n"
            f"Date: {_date()}\r\n"
            f"Message-ID: {message_id}\r\n"
            f"List-Unsubscribe: {unsubscribe}\r\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n'
        )
        part = (
            "Content-Type: text/{kind}; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        )
        data = b"".join(
            (
                head.encode(),
                f"\r\n--{boundary}\r\n{part.format(kind='plain')}".encode(),
                _qp(text),
                f"\r\n--{boundary}\r\n{part.format(kind='html')}".encode(),
                _qp(html),
                f"\r\n--{boundary}--\r\n".encode(),
            )
        )
        return Rendered(message_id, data)
