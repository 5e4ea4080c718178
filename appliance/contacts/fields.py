"""The fields of a contact, and how each value is checked and normalised.

Every check returns the normalised value or raises :class:`Invalid` with a reason (an English msgid,
free of the value itself, so reasons can be logged and shown without personal data).

E-mail addresses take a fast path for the plain ASCII shape almost every CRM export contains; the
fast path accepts only addresses that email-validator accepts too (a property test checks this),
everything else goes to email-validator itself (no DNS look-up).
"""

from __future__ import annotations

import re

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES as _SPECIAL

try:  # role mailboxes (postmaster, info, ...) that email-validator lower-cases
    from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES as _ROLE_BOXES
except ImportError:  # pragma: no cover - a future layout: every address takes the slow path
    _ROLE_BOXES = None
from email_validator import EmailNotValidError, validate_email

from appliance.i18n import N_

# Personal fields, sealed with the field cipher; order is the column order in the table.
PERSONAL = (
    "email",
    "first_name",
    "infix",
    "last_name",
    "gender",
    "street",
    "house_number",
    "postcode",
    "town",
    "country",
    "phone",
)
PLAIN = ("language",)
FIELDS = PERSONAL + PLAIN
NAME_FIELDS = ("first_name", "infix", "last_name")
MAX_FIELD = 200
MAX_SEGMENT = 60


class Invalid(ValueError):
    """A value was refused; ``reason`` is a msgid without the value in it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


_FAST_EMAIL = re.compile(
    r"^[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def email(value: str) -> str:
    """Return the address with the domain in lower case (email-validator's normal form)."""
    value = value.strip()
    if len(value) <= 254 and _FAST_EMAIL.match(value):
        local, _, domain = value.rpartition("@")
        domain = domain.lower()
        if (
            _ROLE_BOXES is not None
            and len(local) <= 64
            and "--" not in domain
            and domain.rsplit(".", 1)[-1] not in _SPECIAL
            and local.lower() not in _ROLE_BOXES
        ):
            return f"{local}@{domain}"
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise Invalid(N_("not a valid e-mail address")) from None


def email_key(normalised: str) -> str:
    """What de-duplication and the suppression list compare: the whole address in lower case
    (mail systems treat the local part case-insensitively in practice)."""
    return normalised.lower()


# Encoded words (RFC 2047) and line breaks in a name would end up in a mail header.
# \x85, \u2028 and \u2029 are line breaks too, and the mail library refuses them in headers.
_HEADER_INJECTION = re.compile(r"[\r\n\x00\x80-\x9f\u2028\u2029]|=\?[^?]*\?[bBqQ]\?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_FIELD:
        raise Invalid(N_("a value is longer than 200 characters"))
    # isprintable() is the fast test; only text it flags (NBSP too) needs the precise one.
    if not value.isprintable() and _CONTROL.search(value):
        raise Invalid(N_("a value contains control characters"))
    return value


def name(value: str) -> str:
    """Names go into salutations and mail headers: no line breaks, no encoded words."""
    if (not value.isprintable() or "=?" in value) and _HEADER_INJECTION.search(value):
        raise Invalid(N_("a name contains a line break or an encoded-word sequence"))
    return text(value)


_GENDER_WORDS = {
    "man": ("m", "man", "male", "heer", "dhr", "dhr.", "de heer", "mr", "mr.", "mister"),
    "woman": (
        "v",
        "f",
        "vrouw",
        "female",
        "woman",
        "mevrouw",
        "mevr",
        "mevr.",
        "mw",
        "mw.",
        "ms",
        "ms.",
        "mrs",
        "mrs.",
        "miss",
    ),
    "unknown": (
        "",
        "x",
        "o",
        "u",
        "?",
        "onbekend",
        "unknown",
        "neutraal",
        "neutral",
        "anders",
        "other",
        "divers",
        "n",
        "nvt",
        "n.v.t.",
    ),
}
_GENDER = {word: gender for gender, words in _GENDER_WORDS.items() for word in words}


def gender(value: str) -> str:
    """Map salutations and gender words (Dutch and English) to man / woman / unknown."""
    key = " ".join(value.strip().lower().split())
    if key not in _GENDER:
        raise Invalid(N_("gender or salutation not recognised (use man/vrouw/onbekend)"))
    return _GENDER[key]


_NL_POSTCODE = re.compile(r"^([1-9][0-9]{3})\s?([A-Za-z]{2})$")
_NL_NAMES = {"nl", "nld", "nederland", "the netherlands", "netherlands", "holland"}


def is_nl(country: str) -> bool:
    return country.strip().lower() in _NL_NAMES


def nl_postcode(value: str) -> str | None:
    """``value`` as a Dutch postcode ``1234 AB``, or None when it is not one."""
    match = _NL_POSTCODE.match(value.strip())
    return f"{match.group(1)} {match.group(2).upper()}" if match else None


def postcode(value: str, country: str) -> str:
    """Dutch postcodes (when the country is NL or empty) become ``1234 AB``."""
    value = text(value)
    if country and not is_nl(country):
        return value
    match = _NL_POSTCODE.match(value)
    if not match:
        if not country:
            return value  # no country given: a foreign postcode is not an error
        raise Invalid(N_("not a Dutch postcode (1234 AB)"))
    return f"{match.group(1)} {match.group(2).upper()}"


# A Dutch house number: 1 to 5 digits, then an optional addition (a letter, a number, a word
# such as "bis" or a Roman numeral), joined directly ("12a") or by a space, dash or slash
# ("12 bis", "12-2", "12/3", "12 II").
_NL_HOUSE_NUMBER = re.compile(r"^([1-9][0-9]{0,4})(?:\s*([-/])?\s*([A-Za-z0-9]{1,6}))?$")


def split_house_number(value: str) -> tuple[str, str, str] | None:
    """(number, separator, addition) of a Dutch house number, or None when it is not one;
    the separator is "-", "/" or "" (written directly or with a space)."""
    match = _NL_HOUSE_NUMBER.match(" ".join(value.split()))
    if not match:
        return None
    return match.group(1), match.group(2) or "", match.group(3) or ""


def house_number(value: str, country: str) -> str:
    """A Dutch house number (country NL or empty) with its addition, written the usual way:
    a letter directly after the number ("12a"), "-" or "/" kept ("12-2"), any other addition
    after a space ("12 bis", "12 II"). Refused for NL when it is not a house number; with no
    country a number of another shape passes as typed (as postcodes do)."""
    value = text(value)
    if country and not is_nl(country):
        return value
    parts = split_house_number(value)
    if parts is None:
        if not country:
            return value
        raise Invalid(N_("not a house number (12, 12a, 12-2, 12 bis)"))
    number, separator, addition = parts
    if not addition:
        return number
    if separator:
        return f"{number}{separator}{addition}"
    if len(addition) == 1 and addition.isalpha():
        return f"{number}{addition.lower()}"
    return f"{number} {addition}"


def phone(value: str, country: str) -> str:
    """E.164 where the number parses (numbers without a country code are taken as Dutch when
    the row's country is NL or empty); otherwise the number as typed, so nothing is lost, as long
    as it holds enough digits to be a phone number at all."""
    value = text(value)
    region = "NL" if not country or is_nl(country) else None
    try:
        parsed = phonenumbers.parse(value, region)
        if phonenumbers.is_possible_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    if sum(c.isdigit() for c in value) < 6 or re.search(r"[^\d\s()+./-]", value):
        raise Invalid(N_("not a phone number"))
    return value


_LANGUAGES = {
    "nl": "nl",
    "nederlands": "nl",
    "dutch": "nl",
    "en": "en",
    "engels": "en",
    "english": "en",
    "de": "de",
    "duits": "de",
    "german": "de",
    "fr": "fr",
    "frans": "fr",
    "french": "fr",
}


def language(value: str) -> str:
    key = value.strip().lower()
    if key not in _LANGUAGES:
        raise Invalid(N_("language not recognised (use nl, en, de or fr)"))
    return _LANGUAGES[key]


_LOOKS_PERSONAL = re.compile(r"@[^@\s]+\.[A-Za-z]{2,}|\d[\d\s().+-]{7,}\d")


def segment(value: str) -> str:
    """Segments are stored in plain text and travel to responses: short categories only,
    never something that identifies a person (an address, a phone number, a remark)."""
    value = text(value)
    if len(value) > MAX_SEGMENT:
        raise Invalid(N_("a segment value is longer than 60 characters (segments are categories)"))
    if _LOOKS_PERSONAL.search(value):
        raise Invalid(N_("a segment value looks like an e-mail address or phone number"))
    return value


# One normaliser per field, taking (value, country of the same row).
NORMALISERS = {
    "email": lambda value, _country: email(value),
    "first_name": lambda value, _country: name(value),
    "infix": lambda value, _country: name(value),
    "last_name": lambda value, _country: name(value),
    "gender": lambda value, _country: gender(value),
    "street": lambda value, _country: text(value),
    "house_number": house_number,
    "postcode": postcode,
    "town": lambda value, _country: text(value),
    "country": lambda value, _country: text(value),
    "phone": phone,
    "language": lambda value, _country: language(value),
}
